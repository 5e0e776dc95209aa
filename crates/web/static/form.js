// Type-ahead for communes: once a province is chosen, the commune field suggests that
// province's communes. Each suggestion carries its name without diacritics as a label, so
// "buon ma thuot" finds "Phường Buôn Ma Thuột". Without JavaScript the server matches the typed
// name the same way.
"use strict";
(function () {
  var province = document.getElementById("province_code");
  var list = document.getElementById("communes");
  if (!province || !list || !window.fetch) {
    return;
  }
  function load() {
    list.textContent = "";
    if (!province.value) {
      return;
    }
    fetch("/dia-gioi/" + encodeURIComponent(province.value))
      .then(function (response) {
        return response.ok ? response.json() : [];
      })
      .then(function (communes) {
        communes.forEach(function (commune) {
          var option = document.createElement("option");
          option.value = commune.name;
          option.label = commune.folded;
          list.appendChild(option);
        });
      })
      .catch(function () {});
  }
  province.addEventListener("change", load);
  province.addEventListener("input", load);
  load();
})();
