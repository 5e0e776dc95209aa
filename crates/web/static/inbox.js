// The inbox left open on the duty desk asks how many reports arrived since the newest one shown;
// the server answers as soon as one arrives on any node (or after 20 seconds), and it asks again
// at once, so a new report shows within a second. It says so in a live region, and for urgent
// ones also sounds a tone and marks the tab; after a failure it asks again a while later. And
// keys for triage: j / k move between rows, / goes to the search.
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

  var every = parseInt(table.getAttribute("data-poll-seconds"), 10);

  // Asks how many reports arrived; once told a count, the next question waits on the server
  // until that count changes (or 20 seconds pass). The next question is asked from one place
  // only, after the answer is shown or the question failed.
  function ask() {
    var url = "/console/inbox/updates?after=" + encodeURIComponent(newest) + "&told=" + told;
    fetch(url, {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (update) {
        show(update);
        return 0;
      })
      .catch(function () {
        return every * 1000;
      })
      .then(function (pause) {
        setTimeout(ask, pause);
      });
  }

  function show(update) {
    if (update.count === told) {
      return;
    }
    // Always what the server last said, even fewer (reports moved out of sight): the next
    // question waits for a change from it.
    told = update.count;
    if (!update.count) {
      news.hidden = true;
      document.title = title;
      return;
    }
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
  }
  if (every > 0) {
    ask();
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
