"""The customer satisfaction survey (surveys): once per ticket, by its requester,
from the email's signed links or the portal, editable for a week."""

import datetime as dt

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from surveys import links, services
from surveys.models import COMMENT_MAX_LENGTH, SatisfactionSurvey
from tests import factories
from tickets import services as ticket_services
from tickets.models import Status


@pytest.fixture
def resolve(personas):
    def run(ticket, *, close: bool = False):
        ticket = ticket_services.ticket_transition(
            personas.agent, ticket=ticket, action="acknowledge"
        )
        ticket = ticket_services.ticket_transition(
            personas.agent, ticket=ticket, action="resolve", resolution="Patched the posting job."
        )
        if close:
            ticket = ticket_services.ticket_transition(
                personas.agent, ticket=ticket, action="confirm_resolution"
            )
        return ticket

    return run


@pytest.fixture
def resolved(make_ticket, resolve):
    return resolve(make_ticket())


def _link(ticket, rating: str) -> str:
    return links.answer_path(ticket, rating)


# --- The model and the service ---------------------------------------------------------


def test_a_ticket_has_at_most_one_survey(resolved):
    factories.SatisfactionSurveyFactory(ticket=resolved)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.SatisfactionSurveyFactory(ticket=resolved, rating="bad")


def test_the_requester_answers_then_changes_the_answer_within_a_week(resolved, personas, at):
    start = at(timezone.now())
    survey = services.survey_answer(personas.admin_a, ticket=resolved, rating="bad")
    assert (survey.rating, survey.comment) == ("bad", "")
    at(start + dt.timedelta(days=6, hours=23))
    services.survey_answer(personas.admin_a, ticket=resolved, rating="good", comment=" Quick! ")
    survey = SatisfactionSurvey.objects.get(ticket=resolved)
    assert (survey.rating, survey.comment, survey.answered_at) == ("good", "Quick!", start)


def test_an_answer_is_read_only_after_a_week(resolved, personas, at):
    start = at(timezone.now())
    services.survey_answer(personas.admin_a, ticket=resolved, rating="good")
    at(start + dt.timedelta(days=7, seconds=1))
    with pytest.raises(ValidationError, match="no longer be changed"):
        services.survey_answer(personas.admin_a, ticket=resolved, rating="bad")
    assert SatisfactionSurvey.objects.get(ticket=resolved).rating == "good"


def test_only_the_requester_answers_and_only_once_the_ticket_is_done(
    make_ticket, resolve, personas
):
    ticket = make_ticket()
    with pytest.raises(PermissionDenied):
        services.survey_answer(personas.admin_a, ticket=ticket, rating="good")  # still open
    ticket = resolve(ticket)
    for someone in (personas.user_a, personas.admin_b, personas.agent):
        with pytest.raises(PermissionDenied):
            services.survey_answer(someone, ticket=ticket, rating="good")
    assert not SatisfactionSurvey.objects.exists()


def test_a_closed_ticket_is_surveyed_too(make_ticket, resolve, personas):
    ticket = resolve(make_ticket(), close=True)
    assert ticket.status == Status.CLOSED
    assert services.survey_answer(personas.admin_a, ticket=ticket, rating="good").pk


# --- The signed links ------------------------------------------------------------------


def test_one_click_records_the_answer_without_signing_in(client, resolved):
    response = client.get(_link(resolved, "bad"))
    assert response.status_code == 200
    assert SatisfactionSurvey.objects.get(ticket=resolved).rating == "bad"
    assert b'data-testid="survey-saved"' in response.content
    # The page then takes a comment, and may change the answer.
    token = links.token_for(resolved)
    response = client.post(
        reverse("survey_comment", args=[token]), {"rating": "good", "comment": "Fixed fast."}
    )
    assert response.status_code == 200
    survey = SatisfactionSurvey.objects.get(ticket=resolved)
    assert (survey.rating, survey.comment, survey.respondent) == (
        "good",
        "Fixed fast.",
        resolved.requester,
    )
    # A second click keeps the comment.
    client.get(_link(resolved, "bad"))
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == ("bad", "Fixed fast.")


def test_a_forged_or_altered_link_records_nothing(client, resolved, make_ticket):
    other = make_ticket()
    forged = signing.dumps({"t": other.pk, "u": other.requester_id}, salt="another salt")
    token = links.token_for(resolved)
    altered = token.replace(token.split(":")[0], signing.dumps({"t": other.pk})[:10], 1)
    for bad in (forged, altered, token + "x", "x" * 500):
        assert client.get(reverse("survey_link", args=[bad, "good"])).status_code == 404
        assert (
            client.post(reverse("survey_comment", args=[bad]), {"rating": "good"}).status_code
            == 404
        )
    assert client.get(reverse("survey_link", args=[token, "meh"])).status_code == 404
    assert not SatisfactionSurvey.objects.exists()


def test_a_link_answers_for_its_own_ticket_only(client, resolved, make_ticket, resolve):
    other = resolve(make_ticket(title="Another"))
    client.get(_link(resolved, "good"))
    assert list(SatisfactionSurvey.objects.values_list("ticket_id", flat=True)) == [resolved.pk]
    assert not SatisfactionSurvey.objects.filter(ticket=other).exists()


def test_a_link_stops_working_when_the_requester_changes(client, resolved, personas):
    link = _link(resolved, "good")
    type(resolved).objects.filter(pk=resolved.pk).update(requester=personas.user_a)
    assert client.get(link).status_code == 404
    assert not SatisfactionSurvey.objects.exists()


def test_a_link_after_the_week_shows_the_answer_read_only(client, resolved, at):
    start = at(timezone.now())
    client.get(_link(resolved, "good"))
    at(start + dt.timedelta(days=8))
    response = client.get(_link(resolved, "bad"))
    assert response.status_code == 400
    assert b'data-testid="survey-error"' in response.content
    assert b'data-testid="survey-form"' not in response.content
    assert SatisfactionSurvey.objects.get(ticket=resolved).rating == "good"


def test_an_old_link_expires(client, resolved, at):
    link = _link(resolved, "good")
    at(timezone.now() + links.MAX_AGE + dt.timedelta(days=1))
    assert client.get(link).status_code == 404


def test_a_link_on_a_reopened_ticket_says_so(client, resolved, personas):
    ticket_services.ticket_transition(
        personas.admin_a, ticket=resolved, action="reopen", reason="Still failing."
    )
    response = client.get(_link(resolved, "good"))
    assert response.status_code == 400
    assert "open again" in response.content.decode()
    assert not SatisfactionSurvey.objects.exists()


# --- The portal and the ticket page ----------------------------------------------------


def test_the_requester_answers_on_the_ticket_page(client, resolved, personas):
    client.force_login(personas.admin_a)
    page = client.get(reverse("ticket_detail", args=[resolved.reference]))
    assert b'data-testid="survey-form"' in page.content
    response = client.post(
        reverse("survey_answer", args=[resolved.reference]),
        {"rating": "bad", "comment": "Took a week."},
    )
    assert response.status_code == 302
    survey = SatisfactionSurvey.objects.get(ticket=resolved)
    assert (survey.rating, survey.comment) == ("bad", "Took a week.")


def test_an_invalid_answer_on_the_ticket_page_records_nothing(client, resolved, personas):
    client.force_login(personas.admin_a)
    client.post(reverse("survey_answer", args=[resolved.reference]), {"rating": "meh"})
    client.post(
        reverse("survey_answer", args=[resolved.reference]),
        {"rating": "good", "comment": "x" * 2001},
    )
    assert not SatisfactionSurvey.objects.exists()


def test_agents_see_the_rating_and_comment(agent_client, resolved):
    factories.SatisfactionSurveyFactory(ticket=resolved, rating="bad", comment="Too slow <b>")
    page = agent_client.get(reverse("ticket_detail", args=[resolved.reference])).content.decode()
    assert 'data-testid="survey-rating"' in page and "Rated bad" in page
    assert "Too slow &lt;b&gt;" in page
    assert 'data-testid="survey-form"' not in page


def test_agents_see_that_no_answer_came(agent_client, resolved):
    page = agent_client.get(reverse("ticket_detail", args=[resolved.reference]))
    assert b'data-testid="survey-none"' in page.content


def test_a_colleague_sees_the_answer_but_cannot_give_it(client, make_ticket, resolve, personas):
    ticket = resolve(make_ticket(requester=personas.user_a))
    factories.SatisfactionSurveyFactory(ticket=ticket, comment="Fine.")
    client.force_login(personas.admin_a)  # the organisation's administrator
    page = client.get(reverse("ticket_detail", args=[ticket.reference])).content.decode()
    assert "Fine." in page and 'data-testid="survey-form"' not in page
    response = client.post(reverse("survey_answer", args=[ticket.reference]), {"rating": "bad"})
    assert response.status_code == 403
    assert SatisfactionSurvey.objects.get(ticket=ticket).rating == "good"


def test_customer_cannot_see_or_answer_other_organisations_survey(client, resolved, personas):
    factories.SatisfactionSurveyFactory(ticket=resolved, comment="Secret words.")
    client.force_login(personas.admin_b)
    assert client.get(reverse("ticket_detail", args=[resolved.reference])).status_code == 404
    response = client.post(reverse("survey_answer", args=[resolved.reference]), {"rating": "bad"})
    assert response.status_code == 404
    assert SatisfactionSurvey.objects.get(ticket=resolved).rating == "good"


def test_hostile_answers_are_refused_with_a_page_not_an_error(client, resolved, personas):
    """The walk of tests/test_hostile_input.py holds a forged link, refused before any
    field is read: here a valid link and the requester's own form get the hostile values."""
    from tests.test_hostile_input import HOSTILE

    token = links.token_for(resolved)
    client.raise_request_exception = True
    for label, bad in HOSTILE.items():
        for data in ({"rating": bad}, {"rating": "good", "comment": bad}):
            response = client.post(reverse("survey_comment", args=[token]), data)
            assert response.status_code in (200, 400), (label, data.keys())
    client.force_login(personas.admin_a)
    for label, bad in HOSTILE.items():
        for data in ({"rating": bad}, {"rating": "bad", "comment": bad}):
            response = client.post(reverse("survey_answer", args=[resolved.reference]), data)
            assert response.status_code == 302, label
    # Only the harmless ones were stored: the control characters and junk are a
    # comment like any other, the NUL byte and the megabyte are refused.
    survey = SatisfactionSurvey.objects.get(ticket=resolved)
    assert "\x00" not in survey.comment and len(survey.comment) <= COMMENT_MAX_LENGTH
