// The message boxes marked data-markdown-editor: paste or drop a file (a screenshot)
// to upload it and insert its Markdown at the cursor, and a Write / Preview switch.
// The preview is the server's rendering (tickets.views.markdown_preview), the same
// Markdown and sanitising as the conversation: this script never renders Markdown.
// The textarea keeps its name and form; the script only adds around it.
(function () {
  "use strict";
  // Words through Django's JavaScript catalog (/jsi18n/, loaded by base.html).
  function gettext(text) {
    return typeof window.gettext === "function" ? window.gettext(text) : text;
  }
  function interpolate(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }
  let counter = 0;

  function csrfToken(form) {
    const field = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function bind(textarea) {
    if (textarea.dataset.markdownBound) return;
    textarea.dataset.markdownBound = "1";
    const form = textarea.form;
    const id = textarea.id || "markdown-" + (++counter);
    textarea.id = id;

    // Tabs: Write (the textarea itself) and Preview (the server's rendering).
    const tabs = document.createElement("div");
    tabs.className = "nav nav-tabs markdown-tabs mb-2";
    tabs.setAttribute("role", "tablist");
    tabs.setAttribute("aria-label", gettext("Message editor"));
    const write = tab(id + "-write", gettext("Write"), id, true);
    const preview = tab(id + "-preview", gettext("Preview"), id + "-preview-panel", false);
    tabs.append(write, preview);
    // The box keeps its own label and role (a text box): the Write tab controls it.
    textarea.before(tabs);

    const panel = document.createElement("div");
    panel.id = id + "-preview-panel";
    panel.className = "markdown-preview form-control mb-2";
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", preview.id);
    panel.setAttribute("aria-live", "polite");
    panel.tabIndex = 0;
    panel.hidden = true;

    // Below the box: a hint, a button for those who cannot paste or drop (a keyboard
    // without a clipboard image, a phone), and what the upload is doing.
    const tools = document.createElement("div");
    tools.className = "d-flex flex-wrap align-items-center gap-2 small mb-2";
    const hint = document.createElement("span");
    hint.id = id + "-paste-hint";
    hint.className = "text-body-secondary";
    hint.textContent = gettext("Paste or drop an image to attach it. Markdown works here.");
    const pick = document.createElement("button");
    pick.type = "button";
    pick.className = "btn btn-outline-secondary btn-sm";
    pick.textContent = gettext("Insert a file");
    const chooser = document.createElement("input");
    chooser.type = "file";
    chooser.hidden = true;
    chooser.multiple = true;
    chooser.setAttribute("aria-hidden", "true");
    chooser.tabIndex = -1;
    const status = document.createElement("span");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    status.dataset.markdownStatus = "";
    tools.append(pick, hint, status, chooser);
    textarea.after(panel, tools);
    const described = textarea.getAttribute("aria-describedby");
    textarea.setAttribute("aria-describedby", [described, hint.id].filter(Boolean).join(" "));

    function show(previewing) {
      write.setAttribute("aria-selected", String(!previewing));
      preview.setAttribute("aria-selected", String(previewing));
      write.classList.toggle("active", !previewing);
      preview.classList.toggle("active", previewing);
      write.tabIndex = previewing ? -1 : 0;
      preview.tabIndex = previewing ? 0 : -1;
      textarea.hidden = previewing;
      panel.hidden = !previewing;
      if (previewing) render();
    }

    function render() {
      panel.textContent = gettext("Loading the preview…");
      const body = new FormData();
      body.append("text", textarea.value);
      fetch(textarea.dataset.previewUrl, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": csrfToken(form) },
        credentials: "same-origin",
      })
        .then(function (response) { return response.text(); })
        .then(function (html) { panel.innerHTML = html; })  // sanitised by the server
        .catch(function () { panel.textContent = gettext("The preview could not be loaded."); });
    }

    write.addEventListener("click", function () { show(false); });
    preview.addEventListener("click", function () { show(true); });
    tabs.addEventListener("keydown", function (event) {
      if (!["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) return;
      event.preventDefault();
      const previewing = event.key === "ArrowRight" || event.key === "End";
      show(previewing);
      (previewing ? preview : write).focus();
    });
    // A required box hidden behind the preview cannot say it is empty: show it.
    textarea.addEventListener("invalid", function () { show(false); });

    function upload(file) {
      const name = file.name || "pasted-image.png";
      const placeholder = "![" + interpolate(gettext("Uploading %(name)s…"), { name: name }) + "]()";
      insert(textarea, placeholder);
      status.textContent = interpolate(gettext("Uploading %(name)s…"), { name: name });
      const body = new FormData();
      body.append("file", file, name);
      const draftField = textarea.dataset.uploadDraftField;
      if (draftField && form && form.elements[draftField]) {
        body.append("draft", form.elements[draftField].value);
      }
      return fetch(textarea.dataset.uploadUrl, {
        method: "POST",
        body: body,
        headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (data) {
            if (!response.ok || !data.markdown) {
              throw new Error(data.error || gettext("The file could not be uploaded."));
            }
            return data;
          });
        })
        .then(function (data) {
          replace(textarea, placeholder, data.markdown);
          status.textContent = interpolate(gettext("%(name)s is attached."), { name: data.name });
        })
        .catch(function (error) {
          replace(textarea, placeholder, "");
          status.textContent = error.message || gettext("The file could not be uploaded.");
          status.classList.add("text-danger");
        });
    }

    function uploadAll(files) {
      status.classList.remove("text-danger");
      Array.from(files).forEach(upload);
    }

    textarea.addEventListener("paste", function (event) {
      const files = event.clipboardData && event.clipboardData.files;
      if (!files || !files.length) return;  // text is pasted as usual
      event.preventDefault();
      uploadAll(files);
    });
    textarea.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) {
        event.preventDefault();
      }
    });
    textarea.addEventListener("drop", function (event) {
      const files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) return;
      event.preventDefault();
      textarea.focus();
      uploadAll(files);
    });
    pick.addEventListener("click", function () { chooser.click(); });
    chooser.addEventListener("change", function () {
      uploadAll(chooser.files);
      chooser.value = "";
      textarea.focus();
    });
  }

  function tab(tabId, text, controls, selected) {
    const button = document.createElement("button");
    button.type = "button";
    button.id = tabId;
    button.className = "nav-link" + (selected ? " active" : "");
    button.setAttribute("role", "tab");
    button.setAttribute("aria-controls", controls);
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    button.textContent = text;
    return button;
  }

  // Insert at the cursor as a paragraph of its own (an image on the line of a sentence
  // would sit inside it), keeping the undo history where the browser can (execCommand),
  // else with setRangeText.
  function insert(textarea, text) {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const gap = !before || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
    const spaced = gap + text + "\n";
    textarea.focus();
    if (!document.execCommand || !document.execCommand("insertText", false, spaced)) {
      textarea.setRangeText(spaced, textarea.selectionStart, textarea.selectionEnd, "end");
    }
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function replace(textarea, placeholder, text) {
    const at = textarea.value.indexOf(placeholder);
    if (at < 0) {
      if (text) insert(textarea, text);
      return;
    }
    const end = at + placeholder.length + (text ? 0 : 1);  // an emptied line goes too
    const caret = textarea.selectionStart;
    textarea.setRangeText(text, at, Math.min(end, textarea.value.length), "preserve");
    if (caret > at) textarea.selectionStart = textarea.selectionEnd = Math.max(at, caret + text.length - (end - at));
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function bindAll(root) {
    root.querySelectorAll("textarea[data-markdown-editor]").forEach(bind);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { bindAll(document); });
  } else {
    bindAll(document);
  }
  document.addEventListener("htmx:load", function (event) { bindAll(event.target); });
})();
