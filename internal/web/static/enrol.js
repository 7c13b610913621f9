// Copy buttons of the enrolment page. Without JavaScript they stay hidden and the
// password and key are shown as text (in <details>), to copy by hand.
(function () {
  "use strict";
  if (!navigator.clipboard || !navigator.clipboard.writeText) { return; }
  var status = document.getElementById("copy-status");
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (b) {
    var label = b.textContent;
    b.hidden = false;
    b.addEventListener("click", function () {
      var el = document.getElementById(b.getAttribute("data-copy"));
      if (!el) { return; }
      var text = el.textContent.trim();
      if (b.hasAttribute("data-strip")) { text = text.replace(/\s+/g, ""); }
      navigator.clipboard.writeText(text).then(function () {
        b.textContent = b.getAttribute("data-done");
        if (status) { status.textContent = b.getAttribute("data-done"); }
        setTimeout(function () { b.textContent = label; }, 3000);
      });
    });
  });
})();
