"""Path converters of the ticket URLs."""

from __future__ import annotations

import re

from django.urls import register_converter
from django.urls.converters import get_converters

# An organisation code (accounts.Organization.code) and its ticket number: ACME-1042.
# Any case: references are looked up upper-cased.
REFERENCE_PATTERN = "[A-Za-z0-9]{2,10}-[0-9]{1,12}"
REFERENCE_RE = re.compile(REFERENCE_PATTERN)


def is_reference(value: str) -> bool:
    """Whether ``value`` can be a ticket reference: never a NUL or control character,
    which PostgreSQL would refuse with an error instead of finding nothing."""
    return REFERENCE_RE.fullmatch(value) is not None


class TicketReferenceConverter:
    """``<ref:reference>``: a URL with anything else where a reference goes (a NUL byte,
    a control character, 1 MB of text) matches no pattern and answers 404."""

    regex = REFERENCE_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


def register() -> None:
    """Make ``<ref:...>`` known to the URL modules that use it (once: Django warns when a
    converter's name is registered again)."""
    if "ref" not in get_converters():
        register_converter(TicketReferenceConverter, "ref")
