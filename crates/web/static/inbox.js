// The inbox left open on the duty desk: every 20 seconds it asks how many reports arrived since
// the newest one shown, says so in a live region, and for urgent ones also sounds a tone and
// marks the tab. And keys for triage: j / k move between rows, / goes to the search.
"use strict";
(function () {
  var table = document.getElementById("inbox");
  var news = document.getElementById("inbox-news");
  var links = function () {
    return Array.prototype.slice.call(document.querySelectorAll("table.inbox tbody a"));
  };

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey ||
        /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) {
      return;
    }
    if (event.key === "/") {
      var search = document.getElementById("q");
      if (search) {
        event.preventDefault();
        search.focus();
      }
      return;
    }
    if (event.key !== "j" && event.key !== "k") {
      return;
    }
    var rows = links();
    if (!rows.length) {
      return;
    }
    var at = rows.indexOf(document.activeElement);
    var next = event.key === "j" ? at + 1 : at - 1;
    next = Math.max(0, Math.min(rows.length - 1, at < 0 ? 0 : next));
    rows[next].focus();
    event.preventDefault();
  });

  if (!table || !news || !window.fetch) {
    return;
  }
  var newest = table.getAttribute("data-newest") || "0";
  var title = document.title;
  var told = 0;

  function tone() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) {
      return;
    }
    try {
      var audio = new Context();
      var beep = audio.createOscillator();
      var gain = audio.createGain();
      beep.frequency.value = 880;
      gain.gain.value = 0.2;
      beep.connect(gain);
      gain.connect(audio.destination);
      beep.start();
      beep.stop(audio.currentTime + 0.6);
    } catch (e) {
      // A browser that allows no sound before a click still shows the notice.
    }
  }

  function ask() {
    fetch("/console/inbox/updates?after=" + encodeURIComponent(newest), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (update) {
        if (!update || !update.count || update.count === told) {
          return;
        }
        told = update.count;
        var urgent = update.urgent > 0;
        var text = news.getAttribute(urgent ? "data-urgent" : "data-news")
          .replace("%count%", update.count)
          .replace("%urgent%", update.urgent);
        news.textContent = text;
        news.hidden = false;
        news.className = urgent ? "news urgent" : "news";
        document.title = "(" + update.count + ") " + title;
        if (urgent) {
          tone();
        }
      })
      .catch(function () {});
  }
  var every = parseInt(table.getAttribute("data-poll-seconds"), 10);
  if (every > 0) {
    setInterval(ask, every * 1000);
  }

  // The screen-pop: a call ringing now, its caller's pseudonym and open reports.
  var pop = document.getElementById("call-pop");
  var calls = function () {
    fetch("/console/calls", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (live) {
        if (!live) {
          return;
        }
        var ringing = live.filter(function (call) { return !call.answered; });
        pop.textContent = "";
        pop.hidden = ringing.length === 0;
        ringing.forEach(function (call) {
          var line = document.createElement("p");
          line.appendChild(document.createTextNode(pop.getAttribute("data-title") + " · " + call.since + " · " +
            pop.getAttribute("data-reporter") + ": " + (call.reporter || pop.getAttribute("data-unknown"))));
          if (call.open_reports.length) {
            line.appendChild(document.createTextNode(" · " + pop.getAttribute("data-reports") + ":"));
            call.open_reports.forEach(function (caseNumber) {
              var link = document.createElement("a");
              link.href = "/console/reports/" + encodeURIComponent(caseNumber);
              link.textContent = caseNumber;
              line.appendChild(document.createTextNode(" "));
              line.appendChild(link);
            });
          }
          pop.appendChild(line);
        });
      })
      .catch(function () {});
  };
  if (pop) {
    calls();
    setInterval(calls, 5000);
  }
})();
