// Small behaviours shared by every page. Loaded as a file: the CSP forbids inline scripts.
(function () {
  "use strict";
  // After an htmx swap, move focus to an element that asks for it, for keyboard users.
  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target.querySelector("[data-autofocus]");
    if (target) target.focus();
  });
})();
