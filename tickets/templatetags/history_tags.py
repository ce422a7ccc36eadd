"""A ticket's history rows, written in plain Python: the template's chain of a dozen
conditions a row, dozens of rows a ticket, was a fifth of the ticket page's rendering.
Each sentence is the same message as the template's, so its translations hold."""

from __future__ import annotations

import html

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from tickets.models import TicketEvent
from tickets.templatetags.link_tags import LINK_EVENTS, link_event
from tickets.templatetags.ticket_tags import field_label, history_note, history_value, status_for

register = template.Library()


@register.simple_tag
def history_row(event: TicketEvent, is_staff_view: bool) -> SafeString:
    """The ``<li>`` of one history row: when, who, and what they did in words."""
    esc = html.escape
    at = timezone.localtime(event.created_at)
    actor = esc(str(event.actor)) if event.actor else esc(gettext("System"))
    return mark_safe(  # noqa: S308 - every value is escaped, here and in _what
        f'<li class="mb-1"><time datetime="{esc(date_filter(at, "c"))}" '
        f'class="text-body-secondary">{esc(date_filter(at, "DAY_TIME_FORMAT"))}</time> · '
        f"{actor}: {_what(event, is_staff_view)}</li>"
    )


def _what(event: TicketEvent, staff: bool) -> str:
    """What the row says happened, as HTML: the words are ours, every value escaped."""
    esc = html.escape
    kind, field, message = event.kind, event.field, event.message
    note = f" — {esc(history_note(message))}" if message else ""
    if kind == "created":
        return gettext("logged the ticket (%(message)s)") % {"message": esc(gettext(message))}
    if kind == "workaround":
        return gettext("provided a workaround")
    if kind == "resolution":
        return gettext("gave the resolution")
    if kind == "watcher":
        return gettext("copied %(person)s on the ticket") % {"person": esc(event.new_value)}
    if field == "status":
        new = esc(status_for(event.new_value, staff))
        if event.old_value:
            words = gettext("changed status from “%(old)s” to “%(new)s”") % {
                "old": esc(status_for(event.old_value, staff)),
                "new": new,
            }
        else:
            words = gettext("changed status to “%(new)s”") % {"new": new}
        return words + note
    if field:
        label, new = esc(field_label(field)), esc(history_value(event.new_value))
        if event.old_value:
            words = gettext("changed %(field)s from “%(old)s” to “%(new)s”") % {
                "field": label,
                "old": esc(history_value(event.old_value)),
                "new": new,
            }
        else:
            words = gettext("changed %(field)s to “%(new)s”") % {"field": label, "new": new}
        return words + note
    if kind == "reply":
        return gettext("replied")
    if kind == "note":
        return gettext("added an internal note")
    if kind == "escalation_requested":
        return gettext("requested escalation: %(message)s") % {"message": esc(message)}
    if kind == "escalation_declined":
        return gettext("declined the escalation request: %(message)s") % {"message": esc(message)}
    if kind == "escalation_ended":
        return gettext("ended the escalation request: %(message)s") % {
            "message": esc(history_note(message))
        }
    if kind in LINK_EVENTS:
        return esc(link_event(event, staff))
    if kind == "intake_warning":
        return f'<span class="text-warning-emphasis">{esc(message)}</span>'
    return f"{esc(kind)} {esc(message)}"
