// The reply box of a report that came by SMS: says how many text messages the answer takes
// as typed (Vietnamese with its marks goes as UCS-2, 70 characters a message, 67 a part) and
// without marks (GSM-7, 160, 153 a part), so the officer can choose to send it unaccented.
"use strict";
(function () {
  var box = document.getElementById("reply-text");
  var out = document.getElementById("sms-count");
  if (!box || !out) {
    return;
  }
  var basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var extended = "^{}\\[~]|€\f";
  var count = function (text) {
    var septets = 0;
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i);
      if (basic.indexOf(c) >= 0) {
        septets += 1;
      } else if (extended.indexOf(c) >= 0) {
        septets += 2;
      } else {
        return text.length <= 70 ? 1 : Math.ceil(text.length / 67);
      }
    }
    return septets <= 160 ? 1 : Math.ceil(septets / 153);
  };
  var plain = function (text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D");
  };
  var update = function () {
    out.textContent = out.getAttribute("data-template")
      .replace("#N", String(count(box.value)))
      .replace("#M", String(count(plain(box.value))));
  };
  box.addEventListener("input", update);
  update();
})();
