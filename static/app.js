// Holdpoint dashboard: progressive enhancement only. Every page works without this file.
"use strict";
(function () {
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }
  window.holdpoint = { csrf: csrf };

  // Copy buttons (`data-copy="<id of a readonly field>"`) are hidden until this script shows
  // them; without JS the field itself can be selected and copied.
  function say(button, text) {
    var status = document.querySelector(".copy-status");
    if (status) { status.textContent = text; }
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = text === "" ? label : text;
    window.setTimeout(function () { button.textContent = label; }, 2000);
  }
  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    field.focus();
    field.select();
    var done = function () { say(button, "Copied"); };
    var fallback = function () {
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      say(button, ok ? "Copied" : "Press Ctrl+C to copy");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, fallback);
    } else {
      fallback();
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var buttons = document.querySelectorAll("button[data-copy]");
    Array.prototype.forEach.call(buttons, function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { copy(b); });
    });
  });
})();
