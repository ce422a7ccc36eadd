"""The survey's section of the ticket page (templates/tickets/ticket_detail.html): the
tickets app below knows nothing of surveys, so the page asks for it by this tag."""

from __future__ import annotations

from django import template

from accounts import permissions
from surveys import forms, selectors

register = template.Library()


@register.inclusion_tag("surveys/ticket_survey.html", takes_context=True)
def ticket_survey(context, ticket, is_staff_view: bool) -> dict:
    """The answer for whoever may see it (staff, the ticket's organisation), and the form
    for its requester while the answer is open. Nothing before the ticket is done."""
    user = context["request"].user
    if ticket.status not in permissions.SURVEYED_STATUSES or not permissions.can_view_survey(
        user, ticket
    ):
        return {"show": False}
    survey = selectors.survey_for(ticket=ticket)
    requester = permissions.can_answer_survey(user, ticket)
    can_answer = requester and (survey is None or survey.is_editable())
    form = None
    if can_answer:
        initial = {"rating": survey.rating, "comment": survey.comment} if survey else {}
        form = forms.SurveyForm(initial=initial)
    return {
        "show": True,
        "ticket": ticket,
        "is_staff_view": is_staff_view,
        "survey": survey,
        "survey_form": form,
        "survey_closed": survey is not None and requester and not can_answer,
    }
