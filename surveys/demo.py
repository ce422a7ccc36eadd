"""Demo survey answers: most resolved and closed tickets of the history have their
requester's answer, mostly good, some with a comment, so the ticket pages, the
dashboard's satisfaction figures and the monthly reports show them in `make demo`.
Tickets resolved in the last day are left unanswered, to answer by hand."""

from __future__ import annotations

import datetime as dt
import random

import time_machine
from django.utils import timezone

from accounts import permissions
from surveys import services
from surveys.models import Rating, SatisfactionSurvey
from tickets.models import Status, Ticket

ANSWERED_SHARE = 0.6
GOOD_SHARE = 0.8
GOOD_COMMENTS = [
    "Quick and clear, thank you.",
    "The workaround kept us going until the fix came.",
    "Kept us posted all along.",
    "",
    "",
]
BAD_COMMENTS = [
    "It took three reminders to get an answer.",
    "The first fix did not work; we lost a day.",
    "",
]


def seed(stdout) -> None:
    if SatisfactionSurvey.objects.exists():
        return  # seeded already: the draws below would answer other tickets
    rng = random.Random(25)  # noqa: S311 - demo data, not security
    now = timezone.now()
    done = (
        Ticket.objects.filter(
            status__in=[Status.RESOLVED, Status.CLOSED],
            resolved_at__lt=now - dt.timedelta(days=1),
        )
        .select_related("requester", "organization")
        .order_by("resolved_at", "pk")
    )
    count = 0
    for ticket in done:
        if rng.random() >= ANSWERED_SHARE:
            continue
        if not permissions.can_answer_survey(ticket.requester, ticket):
            continue
        assert ticket.resolved_at is not None  # filtered above
        when = min(ticket.resolved_at + dt.timedelta(hours=rng.randint(1, 40)), now)
        good = rng.random() < GOOD_SHARE
        comment = rng.choice(GOOD_COMMENTS if good else BAD_COMMENTS)
        with time_machine.travel(when, tick=False):
            services.survey_answer(
                ticket.requester,
                ticket=ticket,
                rating=Rating.GOOD if good else Rating.BAD,
                comment=comment,
            )
        count += 1
    if count:
        stdout.write(f"    {count} survey answers")
