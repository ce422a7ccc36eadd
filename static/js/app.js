// Small behaviours shared by every page. Loaded as a file: the CSP forbids inline scripts.
(function () {
  "use strict";
  // After an htmx swap, move focus to an element that asks for it, for keyboard users.
  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target.querySelector("[data-autofocus]");
    if (target) target.focus();
  });

  // Forms marked data-submit-once disable their buttons once sent, so a double click
  // does not submit twice (the server also recognises a repeated ticket form).
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.matches("[data-submit-once]")) return;
    if (form.dataset.submitted) {
      event.preventDefault();
      return;
    }
    form.dataset.submitted = "1";
    form.querySelectorAll("[type=submit]").forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
      button.classList.add("disabled");
    });
  });
})();
