// Holdpoint dashboard: progressive enhancement only. Every page works without this file.
"use strict";
(function () {
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }
  window.holdpoint = { csrf: csrf };
})();

// Users: "Copy link" buttons (hidden until this script shows them; the link stays selectable).
(function () {
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy") + "-status");
    if (!source || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(
        function () { if (status) status.textContent = "Copied to the clipboard."; },
        function () { source.select(); if (status) status.textContent = "Press Ctrl+C (⌘C) to copy."; }
      );
    });
  });
})();
