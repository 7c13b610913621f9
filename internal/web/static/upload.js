// Upload with a progress bar. Without JavaScript the form posts normally; with it, the
// file goes through XMLHttpRequest so the bar can show the upload, then the answer (the
// import report, or the form with its error) replaces the page.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var box = document.getElementById(form.getAttribute("data-progress"));
  var bar = box && box.querySelector("progress");
  form.addEventListener("submit", function (ev) {
    if (!form.checkValidity()) { return; }
    ev.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    if (box) { box.hidden = false; }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (bar && e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
    });
    xhr.upload.addEventListener("load", function () {
      if (bar) { bar.removeAttribute("value"); } // indeterminate while the server works
    });
    xhr.addEventListener("load", function () {
      if (xhr.responseURL && xhr.responseURL !== form.action) {
        window.location.assign(xhr.responseURL);
        return;
      }
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () {
      if (button) { button.disabled = false; }
      if (box) { box.hidden = true; }
      window.alert(document.documentElement.lang === "en" ? "The upload failed: check your connection and try again." : "L'envoi a échoué : vérifiez votre connexion et réessayez.");
    });
    xhr.send(new FormData(form));
  });
})();
