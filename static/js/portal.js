// Article suggestions as a customer types: any input with data-suggest-url fetches
// matching knowledge-base articles (an htmx fragment) into the element named by
// data-suggest-target, or into one created just after the input's form group.
// Loaded as a file: the CSP forbids inline scripts.
(function () {
  "use strict";
  const DELAY_MS = 300;

  function targetFor(input) {
    const selector = input.dataset.suggestTarget;
    if (selector) return document.querySelector(selector);
    const box = document.createElement("div");
    box.id = (input.id || input.name) + "-suggestions";
    box.setAttribute("aria-live", "polite");
    const group = input.closest(".mb-3, .form-group") || input;
    group.insertAdjacentElement("afterend", box);
    input.dataset.suggestTarget = "#" + box.id;
    return box;
  }

  function wire(input) {
    if (input.dataset.suggestWired) return;
    input.dataset.suggestWired = "1";
    const target = targetFor(input);
    let timer = null;
    let lastAsked = null;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        const title = input.value.trim();
        if (title === lastAsked) return;
        lastAsked = title;
        if (title.length < 3) {
          target.replaceChildren();
          return;
        }
        const url = input.dataset.suggestUrl + "?title=" + encodeURIComponent(title);
        window.htmx.ajax("GET", url, { target: target, swap: "innerHTML" });
      }, DELAY_MS);
    });
  }

  function wireAll(root) {
    root.querySelectorAll("input[data-suggest-url]").forEach(wire);
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireAll(document);
  });
  // Forms swapped in by htmx (a re-rendered form with errors) are wired too.
  document.addEventListener("htmx:load", function (event) {
    wireAll(event.detail.elt);
  });
})();
