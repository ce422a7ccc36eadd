import datetime as dt
import html
import re

import nh3
from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from markdown_it import MarkdownIt

from tickets import uploads
from tickets.wording import ENDED_NOTES, WORKAROUND_NOTE, status_name

register = template.Library()

# CommonMark without raw HTML; nh3 then removes anything unsafe that remains
# (javascript: links, event handlers), so user text never runs script in our origin.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "img",
}


def _own_images_only(element: str, attribute: str, value: str) -> str | None:
    """Images only from the help desk's own pasted files (tickets.uploads), which open
    only for those who may see them: no image from elsewhere tracks a reader or calls a
    URL."""
    if element == "img" and attribute == "src" and not uploads.FILE_ADDRESS.fullmatch(value):
        return None
    return value


@register.filter
def markdown(text: str) -> str:
    html = _markdown.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "img": {"src", "alt", "title"}},
        attribute_filter=_own_images_only,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above


_LINK = re.compile(r'<a href="([^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
_IMAGE = re.compile(r'<img src="([^"]*)" alt="([^"]*)"[^>]*>')
_BLOCK_END = re.compile(r"</(p|h[1-6]|pre|blockquote|tr)>|<br\s*/?>|<hr\s*/?>")


@register.filter
def markdown_text(text: str) -> str:
    """Markdown as plain text, for the text part of an email: what the HTML part shows
    as **bold** or a [link](url) reads "bold" and "link (url)", never raw Markdown."""
    rendered = _markdown.render(text or "")
    rendered = _LINK.sub(lambda m: m[2] if m[2] == m[1] else f"{m[2]} ({m[1]})", rendered)
    rendered = _IMAGE.sub(lambda m: f"{m[2]} ({m[1]})", rendered)
    rendered = rendered.replace("<li>", "<li>- ")
    rendered = _BLOCK_END.sub("\n", rendered)
    plain = html.unescape(nh3.clean(rendered, tags=set(), attributes={}))
    return re.sub(r"\n{3,}", "\n\n", plain).strip()


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")

FIELD_LABELS = {
    "tracker_reference": _("tracker issue"),
    "tracker_url": _("tracker link"),
    "estimated_resolution": _("estimated resolution"),
    "escalation_level": _("escalation level"),
    "status": _("status"),
    "severity": _("severity"),
    "priority": _("priority"),
    "assignee": _("assignee"),
    "watchers": _("watchers"),
}


@register.filter
def field_label(field: str) -> str:
    """A history row's field in words: "escalation_level" → "escalation level"."""
    label = FIELD_LABELS.get(field)
    return str(label) if label is not None else field.replace("_", " ")


# The notes the help desk itself writes into history rows and escalation requests,
# stored in its own language (tickets.changes.record).
SYSTEM_NOTES = frozenset({WORKAROUND_NOTE, *ENDED_NOTES.values()})


@register.filter
def history_note(message: str) -> str:
    """A stored note in the reader's language when the help desk wrote it; what a
    person wrote (a reason, a reply) stays as written."""
    return gettext(message) if message in SYSTEM_NOTES else message


@register.filter
def status_for(status: str, viewer) -> str:
    """A status in the words of whoever reads it: ``{{ ticket.status|status_for:user }}``.
    The viewer is a person (staff read the workflow's names, everyone else the
    customer's) or a boolean "is staff"; without one, the customer's words."""
    for_staff = viewer if isinstance(viewer, bool) else bool(getattr(viewer, "staff_role", ""))
    return status_name(status, for_staff=for_staff)


@register.filter
def history_value(value: str) -> str:
    """A history row's old or new value in words: stored dates and instants (ISO text)
    read "Fri 20 Nov" and "Fri 20 Nov, 14:41" in the viewer's time zone."""
    text = (value or "").strip()
    if ISO_DATE.fullmatch(text):
        return date_format(dt.date.fromisoformat(text), "DAY_DATE_FORMAT")
    if ISO_DATETIME.match(text):
        try:
            instant = dt.datetime.fromisoformat(text)
        except ValueError:
            return value
        if timezone.is_aware(instant):
            instant = timezone.localtime(instant)
        return date_format(instant, "DAY_TIME_FORMAT")
    return value


@register.filter
def sla_state(due_at, warn_at=None) -> str:
    """on_track, warning or breached, for colouring a deadline."""
    if due_at is None:
        return ""
    now = timezone.now()
    if due_at <= now:
        return "breached"
    if warn_at is not None and warn_at <= now:
        return "warning"
    return "on_track"
