// The marks grid: the evaluation grid's way (grid.js) with typed marks.
//
// Without JavaScript the grid is a form posted with its button. With it:
//  - Enter and the arrow keys move between cells (Up/Down: the column; Left/Right at the
//    ends of the text: the row);
//  - every change is saved as you type (POST of the changed cells as JSON, 600 ms after
//    the last key);
//  - changes not yet acknowledged are kept in localStorage, so a lost connection or a
//    closed tab loses nothing: they come back into the grid and are sent again when the
//    page opens again or the connection returns.
(function () {
  "use strict";
  var form = document.getElementById("marks-form");
  var table = document.getElementById("marks-grid");
  if (!form || !table || !window.fetch || !window.JSON) { return; }
  var status = document.getElementById("grid-status");
  var saveURL = form.getAttribute("data-save");
  var csrf = form.getAttribute("data-csrf");
  var storeKey = "cartable:" + form.getAttribute("data-key");
  var pending = load(); // "student|assessment" → change
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
  function key(el) {
    return el.closest("tr").getAttribute("data-student") + "|" + el.getAttribute("data-assessment");
  }
  function find(k) {
    var parts = k.split("|");
    return table.querySelector('tr[data-student="' + parts[0] + '"] input[data-assessment="' + parts[1] + '"]');
  }
  function record(el) {
    pending[key(el)] = {
      student_id: parseInt(el.closest("tr").getAttribute("data-student"), 10),
      assessment_id: parseInt(el.getAttribute("data-assessment"), 10),
      value: el.value
    };
    el.classList.add("dirty");
    el.removeAttribute("aria-invalid");
    persist();
    schedule(600);
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
    var batch = {};
    var body = { marks: [] };
    keys.forEach(function (k) { batch[k] = pending[k]; body.marks.push(pending[k]); });
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
        // Refused (a value that is not a mark, the period closed…): the cells stay as typed,
        // marked invalid, and are not sent again until changed.
        Object.keys(batch).forEach(function (k) {
          if (pending[k] === batch[k]) {
            delete pending[k];
            var el = find(k);
            if (el) { el.setAttribute("aria-invalid", "true"); }
          }
        });
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
  function cell(r, c) {
    return table.querySelector('[data-row="' + r + '"][data-col="' + c + '"]');
  }
  function move(el, dr, dc) {
    var target = cell(parseInt(el.getAttribute("data-row"), 10) + dr, parseInt(el.getAttribute("data-col"), 10) + dc);
    if (target) { target.focus(); target.select(); return true; }
    return false;
  }

  Object.keys(pending).forEach(function (k) {
    var el = find(k);
    if (!el) { delete pending[k]; return; }
    el.value = pending[k].value;
    el.classList.add("dirty");
  });
  persist();
  if (Object.keys(pending).length) { schedule(0); }

  table.addEventListener("input", function (e) {
    if (e.target.matches("input[data-assessment]")) { record(e.target); }
  });
  table.addEventListener("keydown", function (e) {
    var el = e.target;
    if (!el.matches || !el.matches("input[data-assessment]")) { return; }
    var atStart = el.selectionStart === 0 && el.selectionEnd === 0;
    var atEnd = el.selectionStart === el.value.length;
    switch (e.key) {
      case "Enter": if (!move(el, 1, 0)) { flush(); } break;
      case "ArrowDown": move(el, 1, 0); break;
      case "ArrowUp": move(el, -1, 0); break;
      case "ArrowRight": if (!atEnd) { return; } move(el, 0, 1); break;
      case "ArrowLeft": if (!atStart) { return; } move(el, 0, -1); break;
      default: return;
    }
    e.preventDefault();
  });
  // Enter moves down; it never submits the form (its keypress would, where the keydown
  // was not enough to stop it).
  table.addEventListener("keypress", function (e) {
    if (e.key === "Enter" && e.target.matches && e.target.matches("input[data-assessment]")) { e.preventDefault(); }
  });
  window.addEventListener("online", function () { schedule(0); });
  var button = document.getElementById("grid-save");
  if (button) { button.classList.add("secondary"); }
})();
