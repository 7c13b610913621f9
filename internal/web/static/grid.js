// The evaluation grid, with a keyboard and without losing anything.
//
// Without JavaScript the grid is a form posted with its button. With it:
//  - the arrow keys move between cells (Home/End to the row's ends), Delete clears a cell;
//  - every change is saved at once (POST of the changed cells as JSON);
//  - changes not yet acknowledged are kept in localStorage, so a lost connection or a
//    closed tab loses nothing: they are re-applied to the grid and re-sent when the page
//    opens again or the connection comes back.
(function () {
  "use strict";
  var form = document.getElementById("grid-form");
  var table = document.getElementById("grid");
  if (!form || !table || !window.fetch || !window.JSON) { return; }
  var status = document.getElementById("grid-status");
  var saveURL = form.getAttribute("data-save");
  var csrf = form.getAttribute("data-csrf");
  var storeKey = "cartable:" + form.getAttribute("data-key");
  var pending = load(); // "student|competency" → change
  var sending = false;
  var timer = null;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "{}") || {}; } catch (e) { return {}; }
  }
  function persist() {
    try {
      if (Object.keys(pending).length) { window.localStorage.setItem(storeKey, JSON.stringify(pending)); }
      else { window.localStorage.removeItem(storeKey); }
    } catch (e) { /* storage full or disabled: the grid still saves online */ }
  }
  function say(kind, detail) {
    if (!status) { return; }
    var text = status.getAttribute("data-" + kind) || "";
    status.textContent = text.replace("%s", detail || "");
    status.className = "grid-status grid-" + kind;
  }
  function cellKey(el) {
    var row = el.closest("tr");
    var student = row && row.getAttribute("data-student");
    return el.hasAttribute("data-comment") ? student + "|#comment" : student + "|" + el.getAttribute("data-competency");
  }
  // The last changes of cells, to undo them (the "annuler" button, Ctrl+Z): each is the
  // cell and its value before the change.
  var undoButton = document.getElementById("grid-undo");
  var history = [];
  function paint(el) {
    var td = el.closest("td");
    if (!td || !el.matches("select[data-competency]")) { return; }
    var opt = el.options[el.selectedIndex];
    var tier = opt && opt.getAttribute("data-tier");
    td.className = tier === null || tier === undefined ? "lvl" : "lvl lvl-" + tier;
  }
  function remember(el) {
    if (!el.matches("select[data-competency]")) { return; }
    history.push({ el: el, value: el.getAttribute("data-prev") || "" });
    if (history.length > 100) { history.shift(); }
    el.setAttribute("data-prev", el.value);
    if (undoButton) { undoButton.disabled = false; }
  }
  function undo() {
    var last = history.pop();
    if (!last) { return; }
    last.el.value = last.value;
    last.el.setAttribute("data-prev", last.value);
    paint(last.el);
    record(last.el);
    last.el.focus();
    if (undoButton) { undoButton.disabled = history.length === 0; }
    say("undone");
  }
  if (undoButton) {
    undoButton.hidden = false;
    undoButton.addEventListener("click", undo);
  }
  Array.prototype.forEach.call(table.querySelectorAll("select[data-competency]"), function (el) {
    el.setAttribute("data-prev", el.value);
  });
  function record(el) {
    var row = el.closest("tr");
    var student = parseInt(row.getAttribute("data-student"), 10);
    var change = el.hasAttribute("data-comment")
      ? { student_id: student, comment: el.value }
      : { student_id: student, competency: el.getAttribute("data-competency"), value: el.value };
    pending[cellKey(el)] = change;
    el.classList.add("dirty");
    persist();
    schedule(300);
  }
  function schedule(ms) {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(flush, ms);
  }
  function flush() {
    timer = null;
    var keys = Object.keys(pending);
    if (!keys.length || sending) { return; }
    if (navigator.onLine === false) { say("offline"); return; }
    var body = { results: [], comments: [] };
    var batch = {};
    keys.forEach(function (k) {
      var c = pending[k];
      batch[k] = c;
      if ("comment" in c) { body.comments.push({ student_id: c.student_id, text: c.comment }); }
      else { body.results.push({ student_id: c.student_id, competency: c.competency, value: c.value }); }
    });
    sending = true;
    say("saving");
    fetch(saveURL, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) { return { ok: resp.ok, status: resp.status, data: data }; });
    }).then(function (res) {
      sending = false;
      if (res.ok) {
        Object.keys(batch).forEach(function (k) {
          // A cell changed again while the request was on its way stays pending.
          if (pending[k] === batch[k]) {
            delete pending[k];
            var el = find(k);
            if (el) { el.classList.remove("dirty"); }
          }
        });
        persist();
        say("saved");
        if (Object.keys(pending).length) { schedule(100); }
        return;
      }
      var msg = (res.data && res.data.error && res.data.error.message) || ("HTTP " + res.status);
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        // Refused (invalid value, no longer allowed…): retrying would fail again.
        Object.keys(batch).forEach(function (k) { if (pending[k] === batch[k]) { delete pending[k]; } });
        persist();
      } else {
        schedule(5000);
      }
      say("error", msg);
    }).catch(function () {
      sending = false;
      say("offline");
      schedule(5000);
    });
  }
  function find(key) {
    var parts = key.split("|");
    var row = table.querySelector('tr[data-student="' + parts[0] + '"]');
    if (!row) { return null; }
    if (parts[1] === "#comment") { return row.querySelector("[data-comment]"); }
    var all = row.querySelectorAll("select[data-competency]");
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("data-competency") === parts[1]) { return all[i]; }
    }
    return null;
  }
  function cell(r, c) {
    return table.querySelector('[data-row="' + r + '"][data-col="' + c + '"]');
  }
  function move(el, dr, dc) {
    var r = parseInt(el.getAttribute("data-row"), 10) + dr;
    var c = parseInt(el.getAttribute("data-col"), 10) + dc;
    var target = cell(r, c);
    if (target) { target.focus(); }
  }

  // Changes typed before a lost connection or a closed tab come back.
  Object.keys(pending).forEach(function (k) {
    var el = find(k);
    if (!el) { delete pending[k]; return; }
    el.value = "comment" in pending[k] ? pending[k].comment : pending[k].value;
    el.classList.add("dirty");
  });
  persist();
  if (Object.keys(pending).length) { schedule(0); }

  table.addEventListener("change", function (e) {
    if (e.target.matches("select[data-competency]")) { remember(e.target); paint(e.target); record(e.target); }
  });
  table.addEventListener("input", function (e) {
    if (e.target.matches("[data-comment]")) { record(e.target); }
  });
  table.addEventListener("keydown", function (e) {
    var el = e.target;
    if (!el.hasAttribute || !el.hasAttribute("data-row")) { return; }
    var isText = el.tagName === "TEXTAREA";
    switch (e.key) {
      case "ArrowRight": if (isText) { return; } move(el, 0, 1); break;
      case "ArrowLeft": if (isText) { return; } move(el, 0, -1); break;
      case "ArrowDown": if (e.altKey || isText) { return; } move(el, 1, 0); break;
      case "ArrowUp": if (e.altKey || isText) { return; } move(el, -1, 0); break;
      case "Home": if (isText) { return; } move(el, 0, -parseInt(el.getAttribute("data-col"), 10)); break;
      case "End":
        if (isText) { return; }
        move(el, 0, el.closest("tr").querySelectorAll("[data-col]").length - 1 - parseInt(el.getAttribute("data-col"), 10));
        break;
      case "Delete":
      case "Backspace":
        if (isText) { return; }
        el.value = "";
        remember(el);
        paint(el);
        record(el);
        break;
      case "z":
      case "Z":
        if (isText || !(e.ctrlKey || e.metaKey)) { return; }
        undo();
        break;
      default: return;
    }
    e.preventDefault();
  });
  window.addEventListener("online", function () { schedule(0); });
  window.addEventListener("beforeunload", function (e) {
    if (Object.keys(pending).length) { persist(); }
  });
  // With the script, the page saves by itself: the form's button stays as a fallback.
  var button = document.getElementById("grid-save");
  if (button) { button.classList.add("secondary"); }
})();
