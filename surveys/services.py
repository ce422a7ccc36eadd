"""The customer satisfaction survey: a resolved or closed ticket's requester says how we
did (good or bad, with an optional comment), once per ticket, and may change the answer
for a week (models.SURVEY_EDIT_WINDOW), from the email's signed links (surveys.links)
or the ticket page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import User
from accounts.scoping import service
from surveys.models import COMMENT_MAX_LENGTH, Rating, SatisfactionSurvey
from tickets import changes
from tickets.models import Ticket


@service(tenant="ticket")
def survey_answer(
    actor: User, *, ticket: Ticket, rating: str, comment: str | None = None
) -> SatisfactionSurvey:
    """Record or change the requester's answer. ``comment`` None keeps the comment given
    before (a click on an email link says nothing about it)."""
    if not permissions.can_answer_survey(actor, ticket):
        raise PermissionDenied("Only the ticket's requester answers its survey.")
    if rating not in Rating.values:
        raise ValidationError({"rating": _("Choose good or bad.")})
    if comment is not None:
        comment = comment.strip()
        if len(comment) > COMMENT_MAX_LENGTH:
            limit = {"max": COMMENT_MAX_LENGTH}
            raise ValidationError(
                {"comment": _("Keep the comment under %(max)s characters.") % limit}
            )
    # The ticket's row serialises two first answers given at once (two clicks).
    ticket = changes.lock(ticket)
    at = changes.now()
    survey = SatisfactionSurvey.objects.select_for_update().filter(ticket=ticket).first()
    if survey is None:
        try:
            return SatisfactionSurvey.objects.create(
                ticket=ticket,
                organization_id=ticket.organization_id,
                respondent=actor,
                rating=rating,
                comment=comment or "",
                answered_at=at,
                updated_at=at,
            )
        except IntegrityError as error:  # survey_one_per_ticket, should the lock be skipped
            raise ValidationError(_("This ticket's survey is already answered.")) from error
    if not survey.is_editable(at):
        raise ValidationError(
            _("Your answer can no longer be changed: answers are open for a week.")
        )
    survey.rating = rating
    if comment is not None:
        survey.comment = comment
    survey.respondent = actor
    survey.updated_at = at
    survey.save(update_fields=["rating", "comment", "respondent", "updated_at"])
    return survey
