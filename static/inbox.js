// Holdpoint dashboard: the inbox and the pause page's keys (progressive enhancement; app.js loads first).
"use strict";
// The inbox (`/`): a dense list (#queue) and the selected pause in a pane (#pane). Clicks and
// j/k select a row, put it in the address (`?pause=`, with history.replaceState) and fetch the
// pane from /queue/pause/<id>; Enter or o opens the pause's page; a / r arm the pane's decision
// form (or the pause page's): the reason box gets focus and Enter sends; x ticks the row for a
// batch decision (#batch), shift-click ticks a range; ? shows the shortcuts. The list refreshes
// from /queue/items every 3 s, keeping the filters, the selection and the ticks, and never
// while someone types. Without this script every row is a link and every form posts.
(function () {
  "use strict";
  var hp = window.holdpoint || {};
  var inbox, list, pane, fetching, lastPicked;
  // a or r pressed while the pane was still loading the selected pause: armed once it is there,
  // with what was typed meanwhile as the reason (never sent unseen).
  var early = null;

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#queue .row")); }
  function current() { return document.querySelector("#queue .row.selected"); }
  function twoPanes() { return window.matchMedia("(min-width: 1024px)").matches; }
  function filters() { return inbox ? inbox.getAttribute("data-filters") || "" : ""; }
  function withFilters(path, first) {
    var f = filters();
    return f ? path + (first ? "?" : "&") + f : path;
  }
  // Countdowns in what was just fetched start at once (times are the server's, in the reader's
  // zone).
  function refreshTimes() {
    if (hp.tick) hp.tick();
  }
  // A text field has focus (a focused tick box or radio button still takes the shortcuts).
  function typingIn(el) {
    if (!el) return false;
    if (el.tagName === "INPUT") return !/^(checkbox|radio|button|submit|reset)$/.test(el.type);
    return /^(TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable;
  }

  // ---- selection --------------------------------------------------------------------------
  function mark(row) {
    rows().forEach(function (r) {
      r.classList.toggle("selected", r === row);
      var a = r.querySelector(".row-link");
      if (a) { if (r === row) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current"); }
    });
  }
  function loadPane(id) {
    if (fetching && fetching.ctl) fetching.ctl.abort();
    var mine = (fetching = { id: id, ctl: window.AbortController ? new AbortController() : null });
    var url = withFilters("/queue/pause/" + encodeURIComponent(id), true);
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" }, signal: mine.ctl && mine.ctl.signal })
      .then(function (r) {
        if (r.redirected) { location.reload(); throw new Error("signed out"); }
        return r.text();
      })
      .then(function (html) {
        if (fetching !== mine) return;
        pane.innerHTML = html;
        refreshTimes();
        fetching = null;
        var wait = early;
        early = null;
        var form = wait && decideForm();
        if (form) {
          arm(form, wait.how);
          form.querySelector("[name=reason]").value = wait.text;
        }
      })
      .catch(function () { if (fetching === mine) { fetching = null; early = null; } });
  }
  // Selects `row`: in two panes the pane follows; on a narrow screen only the mark moves.
  function choose(row, load) {
    if (!row) return;
    mark(row);
    row.scrollIntoView({ block: "nearest" });
    var link = row.querySelector(".row-link");
    if (link && load) link.focus({ preventScroll: true });
    if (!load || !twoPanes()) return;
    var id = row.getAttribute("data-watch-id");
    if (!fetching && paneShows(id)) return;
    history.replaceState(null, "", withFilters("/?pause=" + encodeURIComponent(id)));
    loadPane(id);
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var i = all.indexOf(current());
    choose(all[Math.min(all.length - 1, Math.max(0, i < 0 ? 0 : i + step))], true);
  }

  // ---- batch ticks ------------------------------------------------------------------------
  function boxes() { return Array.prototype.slice.call(document.querySelectorAll("#queue .pick input")); }
  function counted() {
    var n = boxes().filter(function (b) { return b.checked; }).length;
    var picked = document.getElementById("picked");
    if (picked) { picked.hidden = n === 0; picked.textContent = n + " selected"; }
    var batch = document.getElementById("batch");
    if (batch) batch.classList.toggle("none-picked", n === 0);
    var all = document.getElementById("pick-all");
    if (all) {
      all.checked = n > 0 && n === boxes().length;
      all.indeterminate = n > 0 && n < boxes().length;
    }
    document.querySelectorAll("#batch button[name=decision]").forEach(function (b) { b.disabled = n === 0; });
  }
  function ticked() {
    return boxes().filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
  }
  function pick(box, shift) {
    var all = boxes();
    if (shift && lastPicked && all.indexOf(lastPicked) >= 0) {
      var a = all.indexOf(lastPicked), b = all.indexOf(box);
      all.slice(Math.min(a, b), Math.max(a, b) + 1).forEach(function (x) { x.checked = box.checked; });
    }
    lastPicked = box;
    counted();
  }

  // ---- deciding with the keyboard -----------------------------------------------------------
  function paneShows(id) {
    var a = pane && pane.querySelector("article");
    return !!a && a.getAttribute("data-watch-id") === id;
  }
  // The form of the pause on screen; in the inbox only once the pane shows the selected row's
  // pause, so a key never decides the pause that was there before.
  function decideForm() {
    if (!pane) return document.querySelector(".pause-detail form.decide");
    var row = current();
    if (fetching || (row && !paneShows(row.getAttribute("data-watch-id")))) return null;
    return pane.querySelector("form.decide");
  }
  function arm(form, how) {
    var reason = form.querySelector("[name=reason]");
    if (!reason) return;
    form.setAttribute("data-armed", how);
    form.classList.add("armed", "armed-" + how);
    reason.focus();
  }
  function disarm(form) {
    form.removeAttribute("data-armed");
    form.classList.remove("armed", "armed-approve", "armed-reject");
  }
  // In an armed reason box: Enter sends (approve with or without a reason), Esc leaves.
  function armedKey(e) {
    var t = e.target, form = t && t.form;
    if (!form || t.name !== "reason" || !form.getAttribute("data-armed")) return false;
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      var how = form.getAttribute("data-armed");
      var button = form.querySelector(how === "approve" ? "button.approve" : "button.reject");
      if (button) button.click();
    } else if (e.key === "Escape") {
      disarm(form);
      t.blur();
    }
    return true;
  }
  function openSelected() {
    var row = current();
    if (row) location.href = "/pauses/" + encodeURIComponent(row.getAttribute("data-watch-id"));
  }
  function shortcuts() {
    var d = document.getElementById("shortcuts");
    if (d && d.showModal && !d.open) d.showModal();
  }
  // Keys typed while the pane loads, after a or r: kept for the reason box.
  function earlyKey(e) {
    if (!early) return false;
    if (e.key === "Escape") early = null;
    else if (e.key === "Backspace") early.text = early.text.slice(0, -1);
    else if (e.key.length === 1) early.text += e.key;
    e.preventDefault();
    return true;
  }
  document.addEventListener("keydown", function (e) {
    if (armedKey(e) || earlyKey(e)) return;
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    var t = e.target;
    if (typingIn(t)) return;
    var dialog = document.getElementById("shortcuts");
    if (dialog && dialog.open) return;
    var form;
    switch (e.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": openSelected(); break;
      case "Enter":
        // On a row's link (focused by j/k) Enter opens the page too; other links and buttons
        // keep their own Enter.
        if (t && /^(A|BUTTON|SUMMARY)$/.test(t.tagName) && !t.classList.contains("row-link")) return;
        e.preventDefault();
        openSelected();
        break;
      case "a":
      case "r":
        form = decideForm();
        e.preventDefault();
        if (form) arm(form, e.key === "a" ? "approve" : "reject");
        else if (fetching) early = { how: e.key === "a" ? "approve" : "reject", text: "" };
        break;
      case "x":
        var row = current(), box = row && row.querySelector(".pick input");
        if (!box) return;
        box.checked = !box.checked;
        pick(box, false);
        break;
      case "?": shortcuts(); break;
      default: return;
    }
  });

  // ---- the live list ----------------------------------------------------------------------
  function liveUrl() {
    var id = current() && current().getAttribute("data-watch-id");
    var url = withFilters("/queue/items", true);
    return id ? url + (url.indexOf("?") < 0 ? "?" : "&") + "pause=" + encodeURIComponent(id) : url;
  }
  function busy() {
    return typingIn(document.activeElement);
  }
  function refresh() {
    if (document.hidden || busy()) return;
    var mode = list.getAttribute("data-mode");
    fetch(liveUrl(), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) {
        if (!r.ok || r.redirected) throw new Error("signed out");
        // The Test data switch was flipped (in another tab): this page shows the other mode.
        var m = r.headers.get("X-Mode");
        if (m && m !== mode) { location.reload(); throw new Error("mode changed"); }
        var n = r.headers.get("X-Pending-Count");
        if (n !== null) {
          var c = document.getElementById("pending-count");
          if (c) c.textContent = n;
          document.title = "(" + n + ") Pending" + (mode === "test" ? " · Test data" : "") + " · Holdpoint";
        }
        return r.text();
      })
      .then(function (html) {
        if (busy()) return;
        var selected = current() && current().getAttribute("data-watch-id");
        var keep = ticked();
        if (html === list.getAttribute("data-last")) return;
        list.innerHTML = html;
        list.setAttribute("data-last", html);
        boxes().forEach(function (b) { b.checked = keep.indexOf(b.value) >= 0; });
        var again = selected && document.getElementById("p-" + selected);
        if (again) mark(again);
        else if (!selected && rows().length && !pane.querySelector("article")) choose(rows()[0], true);
        counted();
        refreshTimes();
      })
      .catch(function () {});
  }

  document.addEventListener("DOMContentLoaded", function () {
    inbox = document.getElementById("inbox");
    list = document.getElementById("queue");
    pane = document.getElementById("pane");
    if (!inbox || !list || !pane) return;
    var all = document.getElementById("pick-all");
    if (all) {
      all.parentNode.hidden = false;
      all.addEventListener("change", function () {
        boxes().forEach(function (b) { b.checked = all.checked; });
        counted();
      });
    }
    counted();
    list.addEventListener("click", function (e) {
      var box = e.target.closest(".pick input");
      if (box) { pick(box, e.shiftKey); return; }
      if (e.target.closest(".pick")) return;
      var row = e.target.closest(".row");
      if (!row || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0 || !twoPanes()) return;
      if (e.target.closest("a") && !e.target.closest(".row-link")) return;
      e.preventDefault();
      choose(row, true);
    });
    var f = document.getElementById("filters");
    if (f) {
      f.querySelectorAll("select, input[type=checkbox]").forEach(function (s) {
        s.addEventListener("change", function () { f.requestSubmit ? f.requestSubmit() : f.submit(); });
      });
    }
    setInterval(refresh, 3000);
    document.addEventListener("visibilitychange", refresh);
  });
})();
