"""The signed one-click links of the resolution email (notifications.emails).

Each link names the ticket and its requester, signed with a salt of its own: it answers
the survey without signing in, and can be neither forged nor turned to another ticket.
"""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.urls import reverse
from django_scopes import scopes_disabled

from tickets.models import Ticket

SALT = "surveys.links"
# A link from an old email stops working after this; the portal still answers.
MAX_AGE = dt.timedelta(days=60)
# Ours are about 60 characters; a longer one is not worth checking.
TOKEN_MAX_LENGTH = 200


class InvalidLink(Exception):
    """A survey link that is forged, altered, expired, or no longer its requester's."""


def token_for(ticket: Ticket) -> str:
    """The signed token of the ticket's survey links: the ticket and its requester."""
    return signing.dumps({"t": ticket.pk, "u": ticket.requester_id}, salt=SALT)


def answer_path(ticket: Ticket, rating: str) -> str:
    return reverse("survey_link", kwargs={"token": token_for(ticket), "rating": rating})


def ticket_from_token(token: str) -> Ticket:
    """The ticket a signed link names, with its requester; InvalidLink otherwise."""
    if len(token) > TOKEN_MAX_LENGTH:
        raise InvalidLink("Too long to be one of ours.")
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
        ticket_id, user_id = int(data["t"]), int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise InvalidLink(str(error)) from error
    # The token names the ticket; its organisation is known only once it is loaded.
    with scopes_disabled():
        ticket = (
            Ticket.objects.select_related("organization", "requester")
            .filter(pk=ticket_id, requester_id=user_id)
            .first()
        )
    if ticket is None:
        raise InvalidLink("The ticket or its requester changed.")
    return ticket
