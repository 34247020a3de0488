/* Demo shop: product photos that cannot load (offline, moved) fall back to a neutral placeholder. */
(function () {
  "use strict";
  var PLACEHOLDER =
    "data:image/svg+xml;charset=utf-8," +
    encodeURIComponent(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 80 100"><rect width="80" height="100" fill="#eef0f3"/>' +
        '<path d="M28 22l12-6 12 6 12 8-6 10-6-3v41H28V37l-6 3-6-10z" fill="#c9ced6"/></svg>'
    );

  function fallback(img) {
    if (img.getAttribute("src") !== PLACEHOLDER) img.setAttribute("src", PLACEHOLDER);
  }

  Array.prototype.forEach.call(document.querySelectorAll(".tile-img img"), function (img) {
    img.addEventListener("error", function () { fallback(img); });
    if (img.complete && img.naturalWidth === 0) fallback(img);
  });
})();
