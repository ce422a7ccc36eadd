"""HTML written in Python where a page writes many of the same element (queue rows'
countdowns, a select of hundreds of people), and Django's template or ``format_html``
machinery per element costs tens of milliseconds a page."""

import html
from collections.abc import Mapping


def attributes(attrs: Mapping[str, object]) -> str:
    """What django.forms.utils.flatatt writes (True: the name alone; False and None:
    nothing; anything else escaped), without its per-call format_html."""
    return "".join(
        f" {name}" if value is True else f' {name}="{html.escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False and value is not None
    )
