"""How much text a person may send in one field: stated in each form's help text,
enforced by the forms (``max_length``) and again by the services, which email-in and
tasks call without a form.

PostgreSQL refuses a full-text document past 1 MB ("string is too long for tsvector"),
and no one reads a 1 MB ticket description: these limits keep every field well below.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext

from core.text_limits import up_to as up_to  # the tickets' forms state their limits with it

# A ticket's title (the column's length, Ticket.title).
TITLE_MAX_CHARS = 200
# Descriptions, replies, notes, workarounds, canned responses.
TEXT_MAX_CHARS = 20_000
# Reasons, business impact, action plans: a paragraph or a few.
REASON_MAX_CHARS = 5_000


def check_length(field: str, value: str, limit: int, label: str = "") -> None:
    """Raise a ValidationError on ``field`` that names the limit when ``value`` is longer;
    ``label`` names the text in the reader's language ("The message")."""
    if value and len(value) > limit:
        raise ValidationError({field: too_long(len(value), limit, label)})


def too_long(count: int, limit: int, label: str = "") -> str:
    """ "The message has 25,000 characters; the limit is 20,000.", in the reader's language."""
    return gettext("%(label)s has %(count)s characters; the limit is %(limit)s.") % {
        "label": label or gettext("This text"),
        "count": number_format(count, force_grouping=True),
        "limit": number_format(limit, force_grouping=True),
    }
