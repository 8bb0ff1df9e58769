// Holdpoint dashboard: progressive enhancement only. Every page works without this file.
"use strict";
(function () {
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }
  window.holdpoint = { csrf: csrf };
})();
