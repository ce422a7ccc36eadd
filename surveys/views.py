"""The survey's answers: on the ticket page (signed in), and from the resolution email's
signed links (no sign-in; surveys.links)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from accounts.languages import language_of
from accounts.permissions import require
from surveys import forms, links, selectors, services
from surveys.models import Rating
from tickets import selectors as ticket_selectors
from tickets.models import Ticket

signed_in = require(lambda user: user.is_authenticated)


@require_POST
@signed_in
def survey_answer(request, reference: str):
    """The requester answers (or changes) the survey on the ticket page."""
    ticket = ticket_selectors.ticket_get_for(user=request.user, reference=reference)
    if not permissions.can_answer_survey(request.user, ticket):
        raise PermissionDenied
    form = forms.SurveyForm(request.POST)
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
    else:
        try:
            services.survey_answer(request.user, ticket=ticket, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Thank you for your answer."))
    return redirect("ticket_detail", reference=ticket.reference)


def _linked_ticket(token: str) -> Ticket:
    try:
        return links.ticket_from_token(token)
    except links.InvalidLink as error:
        raise Http404("This survey link is not valid.") from error


def _page(request, token: str, ticket: Ticket, *, saved: bool, error: str = "", form=None):
    survey = selectors.survey_for(ticket=ticket)
    editable = permissions.can_answer_survey(ticket.requester, ticket) and (
        survey is None or survey.is_editable()
    )
    if editable and form is None:
        initial = {"rating": survey.rating, "comment": survey.comment} if survey else {}
        form = forms.SurveyForm(initial=initial)
    context = {
        "ticket": ticket,
        "survey": survey,
        "survey_form": form if editable else None,
        "token": token,
        "saved": saved,
        "error": error,
    }
    return render(request, "surveys/survey_answer.html", context, status=400 if error else 200)


def _answer(request, token: str, ticket: Ticket, rating: str, comment: str | None):
    try:
        services.survey_answer(ticket.requester, ticket=ticket, rating=rating, comment=comment)
    except PermissionDenied:
        error = _("This ticket is open again: you will be asked once it is resolved.")
        return _page(request, token, ticket, saved=False, error=error)
    except ValidationError as error:
        return _page(request, token, ticket, saved=False, error=" ".join(error.messages))
    return _page(request, token, ticket, saved=True)


@require_GET
def survey_link(request, token: str, rating: str):
    """One click in the resolution email records the answer at once, without signing in:
    the link is signed for this ticket and its requester. A GET that writes, on purpose:
    the one-click answer is the link itself, and all it changes is the requester's own
    answer, which stays theirs to change for a week (a mail scanner that follows links
    is undone by the customer's next click)."""
    if rating not in Rating.values:
        raise Http404("No such answer.")
    ticket = _linked_ticket(token)
    # The page speaks the requester's language, as the email did.
    with translation.override(language_of(ticket.requester)):
        return _answer(request, token, ticket, rating, None)


@require_POST
def survey_comment(request, token: str):
    """The page an email link opens: change the answer, add a comment."""
    ticket = _linked_ticket(token)
    with translation.override(language_of(ticket.requester)):
        form = forms.SurveyForm(request.POST)
        if not form.is_valid():
            error = forms.first_error(form)
            return _page(request, token, ticket, saved=False, error=error, form=form)
        return _answer(request, token, ticket, **form.cleaned_data)
