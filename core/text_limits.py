"""A text field's limit in words, for its help text (every app's forms state theirs the
same way; tickets.limits holds the tickets' limits)."""

from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext


def _up_to(limit: int) -> str:
    return gettext("Up to %(limit)s characters.") % {
        "limit": number_format(limit, force_grouping=True)
    }


def up_to(limit: int) -> str:
    """The limit in words, for a field's help text: in the reader's language when shown
    (forms declare it once, at import)."""
    return lazy(_up_to, str)(limit)
