"""Template helpers of the agent workspace: queue rows and their deadline countdowns,
search highlights and the canned-response picker for any reply box."""

import datetime as dt
import functools
import html

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils import timezone, translation
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.html import attributes
from tickets.canned import canned_response_changes
from tickets.models import Priority
from tickets.wording import choice_label, status_name
from workspace import canned_responses
from workspace.search import MARK_START, MARK_STOP

register = template.Library()


def _left(seconds: int, late: bool | None = None, business_day: int | None = None) -> str:
    """ "2h 05m left", "3d 4h left", "45m overdue", or on a business-hours calendar
    (``business_day``: its day of open time, in seconds) "1 business day 7h left": what
    static/js/workspace.js keeps up to date, rendered once here for the first paint."""
    late = seconds < 0 if late is None else late
    minutes = abs(seconds) // 60
    days, minutes = divmod(minutes, (business_day or 24 * 60 * 60) // 60)
    hours, minutes = divmod(minutes, 60)
    values = {"days": days, "hours": hours, "minutes": f"{minutes:02d}"}
    if days and business_day:
        text = ngettext("%(days)s business day", "%(days)s business days", days) % values
        if hours:
            text += " " + _("%(hours)sh") % values
    elif days:
        text = _("%(days)sd %(hours)sh") % values
    elif hours:
        text = _("%(hours)sh %(minutes)sm") % values
    else:
        text = _("%(minutes)sm") % {"minutes": minutes}
    return (_("%(time)s overdue") if late else _("%(time)s left")) % {"time": text}


@register.filter
def time_left(due) -> str:
    """Wall-clock time to a deadline (for a deadline without a known calendar)."""
    if due is None:
        return ""
    return _left(int((due - timezone.now()).total_seconds()))


@register.filter
def open_time_left(countdown) -> str:
    """Open time to the deadline of a Countdown (sla.selectors.ticket_countdowns)."""
    if countdown is None:
        return ""
    return _left(countdown.seconds, late=countdown.overdue, business_day=countdown.business_day)


@register.filter
def row_state(ticket) -> str:
    """on_track, warning or breached for a queue row (empty without a running clock)."""
    now = timezone.now()
    if ticket.sla_breached or (ticket.sla_due_at and ticket.sla_due_at <= now):
        return "breached"
    if ticket.sla_due_at is None:
        return ""
    if ticket.sla_warn_at and ticket.sla_warn_at <= now:
        return "warning"
    return "on_track"


@functools.cache
def _names(language: str) -> tuple[list[str], list[str]]:
    """The short day names (Monday first) and month names (January at 1) of a language."""
    with translation.override(language):
        days = [str(WEEKDAYS_ABBR[day]) for day in range(7)]
        months = ["", *(str(MONTHS_3[month]).title() for month in range(1, 13))]
    return days, months


def _short(local: dt.datetime, *, with_date: bool = True) -> str:
    """``Wed 25 Nov, 17:00 CET`` (``Wed 09:00`` without the date): what
    ``|date:"D j M, H:i T"`` writes, in the active language."""
    days, months = _names(translation.get_language())
    day = days[local.weekday()]
    if not with_date:
        return f"{day} {local:%H:%M}"
    return f"{day} {local.day} {months[local.month]}, {local:%H:%M} {local.tzname()}"


@register.simple_tag
def countdown_cell(ticket) -> SafeString:
    """The deadline cell of a queue row: the countdown in open time that
    static/js/workspace.js keeps up to date, or why there is none.

    Written in plain Python, not in the template nor with format_html, because a queue
    page has 50 of them: each date is converted once, and every value is escaped once
    with the standard library's ``html.escape``.
    """
    state = row_state(ticket)
    due = ticket.sla_due_at
    if due is None:
        if state == "breached":
            return mark_safe(  # noqa: S308 - our own words, escaped
                '<span class="sla-breached" data-testid="countdown">'
                f"{html.escape(_('Breached'))}</span>"
            )
        if ticket.status == "waiting_on_customer":
            return mark_safe(  # noqa: S308 - our own words, escaped
                f'<span class="text-body-secondary">{html.escape(_("Paused"))}</span>'
            )
        return mark_safe('<span class="text-body-secondary">—</span>')
    return _countdown(
        due, ticket.sla_warn_at, state, getattr(ticket, "countdown", None), "countdown"
    )


@functools.cache
def _row_words(language: str) -> dict[str, str]:
    """The words every queue row repeats, escaped, once per language: 50 rows a page
    would otherwise look each up 50 times."""
    with translation.override(language):
        words = {
            "no_contract": _("No valid contract"),
            "escalation_requested": _("Escalation requested"),
            "acknowledge_title": _("Acknowledge (e)"),
            "acknowledge": _("Acknowledge"),
            "assign_title": _("Assign to me (a)"),
            "assign": _("Assign to me"),
            "close_title": _("Close the triage panel"),
            "close": _("Close"),
            "triage_title": _("Triage in place (t)"),
            "triage": _("Triage"),
        }
        return {key: html.escape(str(text)) for key, text in words.items()}


SEVERITY_BADGES = {"S1": "text-bg-danger", "S2": "text-bg-warning"}


@register.simple_tag(takes_context=True)
def queue_row(context, ticket) -> SafeString:
    """The ``<tr>`` of a queue row (templates/workspace/queue.html's ticket_row: the page's
    50 rows and each row re-rendered by triage in place): what the ticket shows and its
    quick actions. ``ticket.urls`` as workspace.views sets them; ``panel`` in the context
    when the row's triage panel is open.

    Written in plain Python, not in the template, for the same reason as the countdown:
    the template's hundred-odd nodes a row, fifty rows a page, were the larger part of
    rendering the queue."""
    words = _row_words(translation.get_language())
    esc = html.escape
    reference, urls = esc(ticket.reference), ticket.urls
    detail = esc(urls["detail"])
    severity = ticket.severity
    panel = bool(context.get("panel"))
    csrf = CsrfTokenNode().render(context)
    user = context.get("user")
    badges = ""
    if not ticket.has_valid_contract:
        badges += f'<span class="badge text-bg-warning">{words["no_contract"]}</span>'
    if ticket.escalation_level:
        level = _("Escalation level %(level)s") % {"level": ticket.escalation_level}
        badges += f'<span class="badge text-bg-danger">{esc(level)}</span>'
    elif getattr(ticket, "escalation_pending", False):
        badges += f'<span class="badge text-bg-danger">{words["escalation_requested"]}</span>'
    tier = ""
    if ticket.contract is not None:
        tier_name = esc(ticket.contract.tier.name)
        tier = f'<span class="d-block small text-body-secondary">{tier_name}</span>'
    if severity:
        badge = SEVERITY_BADGES.get(severity, "text-bg-info")
        severity_cell = f'<span class="badge {badge}" data-testid="severity">{esc(severity)}</span>'
    else:
        severity_cell = '<span class="text-body-secondary">—</span>'
    assignee = str(ticket.assignee) if ticket.assignee_id is not None else "—"
    target = f'hx-target="#row-{reference}" hx-swap="outerHTML"'
    panel_value = "1" if panel else "0"
    actions = ""
    if ticket.status == "new":
        acknowledge = esc(urls["acknowledge"])
        actions += (
            f'<form method="post" action="{acknowledge}" class="d-inline" hx-post="{acknowledge}" '
            f"{target}>{csrf}"
            f'<input type="hidden" name="version" value="{ticket.version}">'
            f'<input type="hidden" name="panel" value="{panel_value}">'
            '<button type="submit" class="btn btn-sm btn-outline-success" '
            f'data-action="acknowledge" title="{words["acknowledge_title"]}">'
            '<i class="bi bi-check2-circle" aria-hidden="true"></i>'
            f'<span class="visually-hidden">{words["acknowledge"]}</span></button></form>'
        )
    if user is None or ticket.assignee_id != user.pk:
        assign = esc(urls["assign"])
        actions += (
            f'<form method="post" action="{assign}" class="d-inline" hx-post="{assign}" '
            f"{target}>{csrf}"
            f'<input type="hidden" name="version" value="{ticket.version}">'
            f'<input type="hidden" name="assignee" value="{esc(str(getattr(user, "pk", "")))}">'
            f'<input type="hidden" name="panel" value="{panel_value}">'
            '<button type="submit" class="btn btn-sm btn-outline-primary" data-action="assign-me" '
            f'title="{words["assign_title"]}"><i class="bi bi-person-plus" aria-hidden="true"></i>'
            f'<span class="visually-hidden">{words["assign"]}</span></button></form>'
        )
    toggle = "close" if panel else "triage"
    actions += (
        f'<button type="button" class="btn btn-sm btn-outline-secondary" '
        f'hx-get="{esc(urls["row"])}?panel={"0" if panel else "1"}" {target} '
        f'aria-expanded="{"true" if panel else "false"}" data-action="triage" '
        f'title="{words[toggle + "_title"]}"><i class="bi bi-{"x-lg" if panel else "sliders"}" '
        f'aria-hidden="true"></i><span class="visually-hidden">{words[toggle]}</span></button>'
    )
    select = _("Select %(reference)s") % {"reference": ticket.reference}
    return mark_safe(  # noqa: S308 - every value is escaped above
        f'<tr class="sev-{esc(severity or "none")}{" queue-s1" if severity == "S1" else ""}" '
        f'data-row data-url="{detail}">'
        '<td><input class="form-check-input" type="checkbox" name="tickets" '
        f'value="{reference}" form="bulk-form" aria-label="{esc(select)}" data-select></td>'
        f"<td>{countdown_cell(ticket)}</td>"
        f'<td><a href="{detail}" class="fw-semibold text-nowrap" data-open>{reference}</a>'
        f'<span class="d-block text-truncate queue-title" title="{esc(ticket.title)}">'
        f"{esc(ticket.title)}</span>{badges}</td>"
        f'<td><abbr title="{esc(ticket.organization.name)}">{esc(ticket.organization.code)}</abbr>'
        f"{tier}</td>"
        f"<td>{severity_cell}</td>"
        f'<td data-testid="priority">{esc(choice_label(Priority, ticket.priority))}</td>'
        f'<td data-testid="status">{esc(status_name(ticket.status, for_staff=True))}</td>'
        f'<td data-testid="assignee">{esc(assignee)}</td>'
        f'<td class="text-nowrap text-end">{actions}</td></tr>'
    )


@register.simple_tag
def clock_countdown(clock) -> SafeString:
    """The countdown of one SLA clock still owed (a ticket page's targets), the same
    element as a queue row's: static/js/workspace.js keeps it up to date too."""
    now = timezone.now()
    if clock.due_at <= now or clock.state == "breached":
        state = "breached"
    elif clock.warn_at and clock.warn_at <= now:
        state = "warning"
    else:
        state = "on_track"
    countdown = getattr(clock, "countdown", None)
    return _countdown(clock.due_at, clock.warn_at, state, countdown, f"countdown-{clock.kind}")


def _countdown(due, warn_at, state: str, countdown, testid: str) -> SafeString:
    zone = timezone.get_current_timezone()
    local_due = due.astimezone(zone)
    due_iso = local_due.isoformat()
    when = _short(local_due)
    attrs: dict[str, object] = {"datetime": due_iso, "data-due": due_iso}
    if warn_at:
        attrs["data-warn"] = warn_at.astimezone(zone).isoformat()
    classes = f"countdown sla-{state}"
    if countdown is None:
        attrs["title"] = _("Due %(when)s") % {"when": when}
        text = time_left(due)
    else:
        title = _("Due %(when)s; open time left") % {"when": when}
        attrs["data-open-left"] = countdown.seconds
        attrs["data-at"] = countdown.at.astimezone(zone).isoformat()
        if countdown.always_open:
            attrs["data-always-open"] = ""
        else:
            attrs["data-windows"] = countdown.windows_json
            attrs["data-business-day"] = countdown.business_day
        stopped = ""
        if not countdown.ticking:
            classes += " countdown-stopped"
            resumes = countdown.resumes_at
            if resumes:
                stopped = _(
                    "%(title)s (the clock is stopped outside business hours until %(when)s)"
                ) % {"title": title, "when": _short(resumes.astimezone(zone), with_date=False)}
            else:
                stopped = _("%(title)s (the clock is stopped outside business hours)") % {
                    "title": title
                }
        attrs["title"] = stopped or title
        attrs["data-title"] = title
        text = open_time_left(countdown)
    return mark_safe(  # noqa: S308 - every value is escaped by attributes and html.escape
        f'<time class="{classes}"{attributes(attrs)} data-testid="{html.escape(testid)}">'
        f"{html.escape(text)}</time>"
    )


@register.filter
def highlight(snippet: str) -> str:
    """Escape a search snippet, then mark the matched words."""
    text = escape(snippet or "")
    return mark_safe(  # noqa: S308 - escaped just above; only our two marks become HTML
        text.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    )


@register.inclusion_tag("workspace/canned_response_picker.html")
def canned_response_picker(ticket, target: str):
    """A select of canned responses that fills the reply box whose id is ``target``.

    On the ticket page, inside the staff reply form:
    ``{% load workspace_tags %}{% canned_response_picker ticket "reply-body" %}``
    (static/js/workspace.js does the inserting). A response that also sets fields
    names them on the page once inserted, and its id goes with the reply.
    """
    return {
        "ticket": ticket,
        "target": target,
        "canned_responses": [
            (response, "; ".join(canned_response_changes(response)))
            for response in canned_responses.canned_response_list()
        ],
    }


@register.simple_tag
def canned_response_sets(canned_response) -> str:
    """What sending the response also sets, in words ("" when it sets nothing)."""
    return "; ".join(canned_response_changes(canned_response))
