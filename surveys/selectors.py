"""Reads of the survey's answers for the ticket page (the dashboard's figures are in
dashboard.satisfaction)."""

from __future__ import annotations

from django_scopes import scope

from surveys.models import SatisfactionSurvey
from tickets.models import Ticket


def survey_for(*, ticket: Ticket) -> SatisfactionSurvey | None:
    """The ticket's answer, if any. Read in the ticket's organisation: staff pages and
    the signed links run in none, a customer's request in this same one."""
    with scope(organization=ticket.organization_id):
        return SatisfactionSurvey.objects.filter(ticket=ticket).select_related("respondent").first()
