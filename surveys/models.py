"""The customer satisfaction survey's answers (surveys.services writes them)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from accounts.models import Organization
from tickets.models import Ticket


class Rating(models.TextChoices):
    GOOD = "good", _("Good")
    BAD = "bad", _("Bad")


# A requester may change their answer for this long after first giving it.
SURVEY_EDIT_WINDOW = dt.timedelta(days=7)
COMMENT_MAX_LENGTH = 2000


class SatisfactionSurvey(models.Model):
    """The requester's answer to "how did we do?" on a resolved or closed ticket: one per
    ticket, given from the email's signed links or the ticket page (surveys.services), editable
    for SURVEY_EDIT_WINDOW after the first answer, then read-only."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    rating = models.CharField(max_length=4, choices=Rating.choices)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    objects = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-answered_at"]
        constraints = [
            models.UniqueConstraint(fields=["ticket"], name="survey_one_per_ticket"),
        ]
        indexes = [
            # The dashboard's satisfaction over a period (dashboard.satisfaction).
            models.Index(fields=["answered_at"], name="survey_answered_idx"),
        ]

    def __str__(self) -> str:
        return f"Survey of {self.ticket_id}: {self.rating}"

    @property
    def editable_until(self) -> dt.datetime:
        return self.answered_at + SURVEY_EDIT_WINDOW

    def is_editable(self, at: dt.datetime | None = None) -> bool:
        return (at or now()) < self.editable_until
