// "Select all" on the accounts list: with script, one box ticks every account of the
// page. Without it, the box stays hidden and each account is ticked by hand.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  var form = document.getElementById("accounts-form");
  if (!all || !form) { return; }
  var boxes = form.querySelectorAll('input[type=checkbox][name=id]');
  if (!boxes.length) { return; }
  all.hidden = false;
  all.addEventListener("change", function () {
    Array.prototype.forEach.call(boxes, function (b) { b.checked = all.checked; });
  });
})();
