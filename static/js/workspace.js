// The agent workspace: live SLA countdowns, search-as-you-type pickers, canned responses,
// bulk selection and keyboard shortcuts. A file, not inline script: the CSP forbids those.
// Every listener is delegated from the document, so rows that htmx swaps in keep working.
(function () {
  "use strict";
  if (window.helpdeskWorkspace) return; // included by the page and by the canned response picker
  window.helpdeskWorkspace = true;

  // Words through Django's JavaScript catalog (/jsi18n/, loaded by base.html), looked up
  // when used; without the catalog the page keeps working, in English.
  function gettext(text) {
    return typeof window.gettext === "function" ? window.gettext(text) : text;
  }
  function ngettext(singular, plural, count) {
    if (typeof window.ngettext === "function") return window.ngettext(singular, plural, count);
    return count === 1 ? singular : plural;
  }
  function interpolate(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (match, name) {
      return String(values[name]);
    });
  }

  // --- Live countdown of each row's earliest running SLA deadline -------------------
  const STATES = ["sla-on_track", "sla-warning", "sla-breached"];

  // businessDay: the calendar's day of open time in seconds (business hours), so that
  // open time reads "1 business day 7h"; without it a day is 24 hours ("3d 4h").
  function timeLeft(ms, overdue, businessDay) {
    const late = overdue === undefined ? ms < 0 : overdue;
    const dayMinutes = businessDay ? Math.floor(businessDay / 60) : 1440;
    let minutes = Math.floor(Math.abs(ms) / 60000);
    const days = Math.floor(minutes / dayMinutes);
    minutes -= days * dayMinutes;
    const hours = Math.floor(minutes / 60);
    minutes -= hours * 60;
    const values = { days: days, hours: hours, minutes: String(minutes).padStart(2, "0") };
    let text;
    if (days && businessDay) {
      text = interpolate(ngettext("%(days)s business day", "%(days)s business days", days), values);
      if (hours) text += " " + interpolate(gettext("%(hours)sh"), values);
    } else if (days) text = interpolate(gettext("%(days)sd %(hours)sh"), values);
    else if (hours) text = interpolate(gettext("%(hours)sh %(minutes)sm"), values);
    else text = interpolate(gettext("%(minutes)sm"), { minutes: minutes });
    return interpolate(late ? gettext("%(time)s overdue") : gettext("%(time)s left"), { time: text });
  }

  // The deadline calendar's open spans (epoch ms) the server sent for the next three
  // days; past that horizon (or on 24x7, or if unreadable) the clock is taken to run,
  // until the next refresh brings new spans.
  function openSpans(el) {
    const always = [[-Infinity, Infinity]];
    if (el.hasAttribute("data-always-open")) return always;
    try {
      const horizon = Date.parse(el.dataset.at) + 3 * 86400000;
      return JSON.parse(el.dataset.windows || "[]").concat([[horizon, Infinity]]);
    } catch (error) {
      return always;
    }
  }

  // Open time in [from, to): the overlap of that interval with the open spans.
  function openTime(spans, from, to) {
    return spans.reduce(function (total, span) {
      return total + Math.max(0, Math.min(span[1], to) - Math.max(span[0], from));
    }, 0);
  }

  function tick() {
    const now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      const due = Date.parse(el.dataset.due);
      if (Number.isNaN(due)) return;
      const warn = el.dataset.warn ? Date.parse(el.dataset.warn) : NaN;
      let state = "sla-on_track";
      if (due <= now) state = "sla-breached";
      else if (!Number.isNaN(warn) && warn <= now) state = "sla-warning";
      el.classList.remove.apply(el.classList, STATES);
      el.classList.add(state);
      if (el.dataset.openLeft === undefined) {
        el.textContent = timeLeft(due - now); // no calendar known: wall-clock time
        return;
      }
      // Open time: the clock only runs while the deadline's calendar is open.
      const spans = openSpans(el);
      const left = Number(el.dataset.openLeft) * 1000 - openTime(spans, Date.parse(el.dataset.at), now);
      el.textContent = timeLeft(left, due <= now, Number(el.dataset.businessDay) || undefined);
      const stopped = !spans.some(function (span) {
        return span[0] <= now && now < span[1];
      });
      el.classList.toggle("countdown-stopped", stopped);
      el.title = stopped
        ? interpolate(gettext("%(title)s (the clock is stopped outside business hours)"), {
            title: el.dataset.title,
          })
        : el.dataset.title;
    });
  }

  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  window.setInterval(tick, 15000);

  // --- Presence on the ticket page: "… is typing a reply" ---------------------------
  // While the agent types in the reply box (and for a few seconds after), the page's
  // presence poll (tickets/detail/presence.html) says so; the first keystroke polls at once.
  const TYPING_MS = 8000;
  let typingTimer = null;
  document.addEventListener("input", function (event) {
    if (!event.target.closest("#reply-form textarea[name='body']")) return;
    const flag = document.getElementById("presence-typing");
    if (!flag) return;
    const started = flag.value !== "1";
    flag.value = "1";
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(function () {
      flag.value = "";
    }, TYPING_MS);
    if (started && window.htmx) window.htmx.trigger(document.body, "presence-typing");
  });

  // --- Pickers: a search box, a hidden value and the matches htmx fetches ------------
  document.addEventListener("click", function (event) {
    const option = event.target.closest("[data-pick-value]");
    if (!option) return;
    const picker = option.closest("[data-picker]");
    if (!picker) return;
    picker.querySelector("[data-picker-value]").value = option.dataset.pickValue;
    const search = picker.querySelector("[data-picker-search]");
    search.value = option.dataset.pickLabel;
    const results = option.closest(".picker-results");
    if (results) results.replaceChildren();
    search.focus();
  });

  document.addEventListener("input", function (event) {
    const search = event.target.closest("[data-picker-search]");
    if (!search || search.value.trim()) return;
    // An emptied search box means "nobody" / "any", not the previous choice.
    const picker = search.closest("[data-picker]");
    if (picker) picker.querySelector("[data-picker-value]").value = "";
  });

  // A search box is named ("q") so that htmx sends what is typed: a GET from an input
  // sends that input's own named value and nothing else. The form around it submits the
  // picked hidden value, not the words typed to find it, so they leave its data, whether
  // the browser builds it or htmx does (new FormData(form)). formdata does not bubble.
  document.addEventListener(
    "formdata",
    function (event) {
      event.target.querySelectorAll("[data-picker-search][name]").forEach(function (search) {
        event.formData.delete(search.name);
      });
    },
    true,
  );

  document.addEventListener("keydown", function (event) {
    // Arrow keys move between the search box and its matches.
    const picker = event.target.closest && event.target.closest("[data-picker]");
    if (!picker || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
    const options = Array.from(picker.querySelectorAll("[data-pick-value]"));
    if (!options.length) return;
    const index = options.indexOf(event.target);
    let next;
    if (event.key === "ArrowDown") next = index < 0 ? 0 : Math.min(index + 1, options.length - 1);
    else next = index <= 0 ? -1 : index - 1;
    event.preventDefault();
    if (next < 0) picker.querySelector("[data-picker-search]").focus();
    else options[next].focus();
  });

  // --- Canned responses: fetch the filled text and insert it in the reply box ---------
  function insertText(textarea, text) {
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? textarea.value.length;
    textarea.value = textarea.value.slice(0, start) + text + textarea.value.slice(end);
    textarea.selectionStart = textarea.selectionEnd = start + text.length;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.focus();
  }

  document.addEventListener("change", function (event) {
    const select = event.target.closest("select[data-canned-response-picker]");
    if (!select || !select.value) return;
    const option = select.selectedOptions[0];
    const target =
      document.getElementById(select.dataset.cannedResponseFor || "") ||
      (select.form && select.form.querySelector("textarea[data-canned-response-target]")) ||
      document.querySelector("textarea[data-canned-response-target]");
    select.value = "";
    if (!target || !option.dataset.url) return;
    // A response that also sets fields: say which before sending, and send its id.
    const picker = select.parentElement;
    const id = picker.querySelector("input[data-canned-response-id]");
    const sets = picker.querySelector("[data-canned-response-sets]");
    if (id && sets) {
      id.value = option.dataset.sets ? option.value : "";
      sets.querySelector("span").textContent = option.dataset.sets || "";
      sets.hidden = !option.dataset.sets;
    }
    fetch(option.dataset.url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(gettext("The canned response could not be loaded."));
        return response.text();
      })
      .then(function (text) {
        insertText(target, text);
      })
      .catch(function (error) {
        target.setCustomValidity(error.message);
        target.reportValidity();
        target.setCustomValidity("");
      });
  });

  // --- Bulk actions: selection count and the value each action needs -----------------
  function refreshBulk() {
    const counter = document.querySelector("[data-bulk-count]");
    if (!counter) return;
    const selected = document.querySelectorAll("[data-select]:checked").length;
    counter.textContent = selected
      ? interpolate(ngettext("%(count)s ticket selected", "%(count)s tickets selected", selected), {
          count: selected,
        })
      : gettext("No tickets selected");
  }

  function refreshBulkAction(select) {
    document.querySelectorAll("[data-bulk-for]").forEach(function (field) {
      field.hidden = field.dataset.bulkFor !== select.value;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-select-all]")) {
      document.querySelectorAll("[data-select]").forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
    if (event.target.matches("[data-select], [data-select-all]")) refreshBulk();
    if (event.target.matches("[data-bulk-action]")) refreshBulkAction(event.target);
  });

  document.addEventListener("DOMContentLoaded", function () {
    refreshBulk();
    const action = document.querySelector("[data-bulk-action]");
    if (action) refreshBulkAction(action);
  });
  document.addEventListener("htmx:afterSettle", refreshBulk);

  // --- Keyboard shortcuts (listed on the help overlay, #shortcuts-help) ---------------
  let current = null; // the reference of the current queue row

  function rows() {
    return Array.from(document.querySelectorAll("#queue-table tbody.queue-item"));
  }

  function currentRow() {
    return current ? document.getElementById("row-" + current) : null;
  }

  function select(row) {
    rows().forEach(function (item) {
      item.classList.toggle("is-current", item === row);
    });
    if (!row) return;
    current = row.dataset.reference;
    const link = row.querySelector("[data-open]");
    if (link) link.focus();
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const index = all.indexOf(currentRow());
    const next = index < 0 ? 0 : Math.max(0, Math.min(all.length - 1, index + step));
    select(all[next]);
  }

  function clickIn(row, selector) {
    const element = (row || document).querySelector(selector);
    if (element) element.click();
  }

  document.addEventListener("focusin", function (event) {
    const row = event.target.closest && event.target.closest("#queue-table tbody.queue-item");
    if (row && row.dataset.reference !== current) {
      current = row.dataset.reference;
      rows().forEach(function (item) {
        item.classList.toggle("is-current", item === row);
      });
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    const row = currentRow();
    if (row) row.classList.add("is-current");
  });

  function typing(target) {
    const fields =
      "input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=submit])," +
      " textarea, select, [contenteditable]";
    return target.closest && target.closest(fields);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (document.querySelector(".modal.show") && event.key !== "?") return;
    const row = currentRow();
    switch (event.key) {
      case "j":
        move(1);
        break;
      case "k":
        move(-1);
        break;
      case "o":
        clickIn(row, "[data-open]");
        break;
      case "t":
        clickIn(row, "[data-action='triage']");
        break;
      case "a":
        clickIn(row, "[data-action='assign-me']");
        break;
      case "e":
        clickIn(row, "[data-action='acknowledge']");
        break;
      case "x": {
        const box = row && row.querySelector("[data-select]");
        if (box) {
          box.checked = !box.checked;
          refreshBulk();
        }
        break;
      }
      case "n":
        clickIn(null, "[data-shortcut='take-next']");
        break;
      case "l":
        clickIn(null, "[data-shortcut='log']");
        break;
      case "/": {
        const search = document.querySelector("[data-shortcut-search]");
        if (!search) return;
        search.focus();
        search.select();
        break;
      }
      case "?": {
        const help = document.getElementById("shortcuts-help");
        if (!help || !window.bootstrap) return;
        window.bootstrap.Modal.getOrCreateInstance(help).toggle();
        break;
      }
      default:
        return;
    }
    event.preventDefault();
  });
})();
