// Holdpoint dashboard: progressive enhancement only. Every page works without this file.
"use strict";
(function () {
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : "";
  }
  // Shared with the later sections (the inbox refreshes times in what it fetches).
  var hp = (window.holdpoint = { csrf: csrf });

  // ---- countdowns: <time class="countdown" data-expires="unix ms"> ------------------------
  function human(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
    if (s < 86400) return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
    return Math.floor(s / 86400) + "d " + Math.floor((s % 86400) / 3600) + "h";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-expires]").forEach(function (el) {
      var left = Number(el.getAttribute("data-expires")) - now;
      el.textContent = left > 0 ? human(left) : "expired";
      el.classList.toggle("soon", left > 0 && left < 60000);
    });
  }

  // The inbox's list, selection and keys are in the "inbox and pause page" section below.

  // ---- live fleet: the Agents page re-fetches its server-rendered list ----------------------
  function liveFleet() {
    var root = document.getElementById("agents");
    if (!root || !root.dataset.live) return;
    var last = root.innerHTML;
    function busy() {
      var a = document.activeElement;
      if (a && root.contains(a) && (a.tagName === "INPUT" || a.tagName === "TEXTAREA")) return true;
      // An open menu (Cancel run's confirmation) stays open: no refresh under it.
      if (root.querySelector("details[open]")) return true;
      return Array.prototype.some.call(root.querySelectorAll("input[name=message], input[name=confirm]"), function (i) {
        return i.type === "checkbox" ? i.checked : i.value !== "";
      });
    }
    function refresh() {
      if (document.hidden || busy()) return;
      fetch(root.dataset.live, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) {
          if (!r.ok || r.redirected) throw new Error("signed out");
          var mode = r.headers.get("X-Mode");
          if (mode && root.dataset.mode && mode !== root.dataset.mode) {
            location.reload();
            throw new Error("mode changed");
          }
          return r.text();
        })
        .then(function (html) {
          if (html !== last && !busy()) {
            root.innerHTML = html;
            last = root.innerHTML;
          }
        })
        .catch(function () {});
    }
    setInterval(refresh, 3000);
    document.addEventListener("visibilitychange", refresh);
  }

  hp.tick = tick;
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
    liveFleet();
  });
})();

// The reader's time zone, for the server: pages show times in the account's zone, else in the
// one this cookie names (checked against the tz database there), else in UTC and say so. Set
// when missing or changed; the next page uses it.
(function () {
  "use strict";
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!tz || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(tz)) return;
    var now = document.cookie.match(/(?:^|; )tz=([^;]*)/);
    if (now && now[1] === tz) return;
    document.cookie = "tz=" + tz + "; path=/; max-age=31536000; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
  } catch (e) { /* no Intl: times stay in UTC and the page says so */ }
})();

// Copy buttons (`<button data-copy="ID" hidden>` next to a readonly field with that id) are
// shown only when this script runs; without JS the field itself can be selected and copied.
// The result is announced in `#ID-status` or the page's `.copy-status`.
(function () {
  "use strict";
  function say(button, text) {
    var id = button.getAttribute("data-copy");
    var status = document.getElementById(id + "-status") || document.querySelector(".copy-status");
    if (status) status.textContent = text;
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.textContent = text;
    window.setTimeout(function () { button.textContent = label; }, 2000);
  }
  function copy(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    field.focus();
    field.select();
    var fallback = function () {
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      say(button, ok ? "Copied" : "Press Ctrl+C (⌘C) to copy");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { say(button, "Copied"); }, fallback);
    } else {
      fallback();
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { copy(b); });
    });
  });
})();

// Menus (<details class="nav-more"> and the fleet's <details class="menu">) work without this
// script; with it, a click elsewhere or Escape closes an open one.
(function () {
  "use strict";
  function openMenus() {
    return document.querySelectorAll("details.nav-more[open], details.menu[open]");
  }
  document.addEventListener("click", function (e) {
    Array.prototype.forEach.call(openMenus(), function (d) {
      if (!d.contains(e.target)) d.open = false;
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    Array.prototype.forEach.call(openMenus(), function (d) {
      if (d.open) {
        d.open = false;
        var s = d.querySelector("summary");
        if (s) s.focus();
      }
    });
  });
})();
