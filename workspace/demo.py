"""Demo canned responses: a plain one, and ones that also set fields when sent
(tickets.canned), so the picker shows both kinds. Idempotent: kept by title."""

from __future__ import annotations

from accounts.models import User
from tickets.models import CannedResponse
from workspace import canned_responses

RESPONSES = [
    {
        "title": "Ask for the logs",
        "body": "Dear {customer_name},\n\nto find the cause of {reference} we need the "
        "application logs of the last day. Please attach them to this ticket.\n\n"
        "{agent_name}",
        "status": "waiting_on_customer",
        "priority": "high",
        "assign": "me",
    },
    {
        "title": "We are on it",
        "body": "Dear {customer_name},\n\nwe are working on {reference} and will update "
        "you by {deadline}.\n\n{agent_name}",
        "status": "in_progress",
        "assign": "me",
    },
    {
        "title": "Thank you",
        "body": "Thank you, {customer_name}: we will keep you posted on {reference}.",
    },
]


def seed(stdout) -> None:
    author = User.objects.filter(email="alex.agent@vendor.example").first()
    if author is None:
        return
    for response in RESPONSES:
        if not CannedResponse.objects.filter(title=response["title"]).exists():
            canned_responses.canned_response_create(author, **response)
