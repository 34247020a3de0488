/* Merchant console: drag-and-drop upload. The plain file input keeps working without this script. */
(function () {
  "use strict";

  function describe(file) {
    var kb = file.size / 1024;
    return file.name + " (" + (kb < 1024 ? Math.max(1, Math.round(kb)) + " KB" : (kb / 1024).toFixed(1) + " MB") + ")";
  }

  function setup(form) {
    var area = form.querySelector("[data-dropzone-area]");
    var input = form.querySelector("input[type=file]");
    var label = form.querySelector("[data-file-name]");
    if (!area || !input) return;

    function show() {
      label.textContent = input.files && input.files.length ? describe(input.files[0]) : "";
      area.classList.toggle("has-file", !!(input.files && input.files.length));
    }

    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (name) {
      area.addEventListener(name, function (event) {
        event.preventDefault();
        area.classList.add("is-over");
      });
    });
    ["dragleave", "dragend"].forEach(function (name) {
      area.addEventListener(name, function () { area.classList.remove("is-over"); });
    });
    area.addEventListener("drop", function (event) {
      event.preventDefault();
      area.classList.remove("is-over");
      var files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) return;
      input.files = files;
      show();
      // Dropping a file is the merchant's "go": check it straight away.
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    });
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
        button.textContent = "Checking…";
      }
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-dropzone]"), setup);
    // Keep dropped files that miss the drop zone from navigating away from the console.
    window.addEventListener("dragover", function (event) { event.preventDefault(); });
    window.addEventListener("drop", function (event) { event.preventDefault(); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
