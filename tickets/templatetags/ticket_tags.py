import nh3
from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from markdown_it import MarkdownIt

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
}


@register.filter
def markdown(text: str) -> str:
    html = _markdown.render(text or "")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above


FIELD_LABELS = {
    "tracker_reference": "tracker issue",
    "tracker_url": "tracker link",
    "estimated_resolution": "estimated resolution",
    "escalation_level": "escalation level",
}


@register.filter
def field_label(field: str) -> str:
    """A history row's field in words: "escalation_level" → "escalation level"."""
    return FIELD_LABELS.get(field, field.replace("_", " "))


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
