"""The resolution email asks the requester how we did, with two signed links
(notifications.emails.survey_urls)."""

import re
from urllib.parse import urlsplit

from django.core import mail
from django.test import Client

from surveys.models import SatisfactionSurvey
from tests.notifications.conftest import sent_to
from tickets import services as ticket_services


def _resolve(personas, ticket):
    ticket = ticket_services.ticket_transition(personas.agent, ticket=ticket, action="acknowledge")
    return ticket_services.ticket_transition(
        personas.agent, ticket=ticket, action="resolve", resolution="Patched the posting job."
    )


def _links(body: str) -> list[str]:
    return re.findall(r"https?://\S+/surveys/answer/\S+?/(?:good|bad)/", body)


def _resolution_emails(user) -> list:
    return [m for m in sent_to(user.email) if "Patched the posting job." in m.body]


def _path(link: str) -> str:
    return urlsplit(link).path


def test_the_resolution_email_carries_the_requesters_survey_links(personas, make_ticket, deliver):
    with deliver():
        ticket = make_ticket(watchers=[personas.user_a])
    mail.outbox.clear()
    with deliver():
        ticket = _resolve(personas, ticket)

    (message,) = _resolution_emails(personas.admin_a)
    links = _links(message.body)
    assert [link.rsplit("/", 2)[1] for link in links] == ["good", "bad"]
    html = message.alternatives[0][0]
    assert all(link in html for link in links)
    # The watcher is told, but the survey is the requester's.
    (watcher_message,) = _resolution_emails(personas.user_a)
    assert not _links(watcher_message.body)

    # The link answers at once, for this ticket.
    assert Client().get(_path(links[1])).status_code == 200
    assert SatisfactionSurvey.objects.get(ticket=ticket).rating == "bad"


def test_the_survey_email_is_in_the_requesters_language(personas, make_ticket, deliver):
    personas.admin_a.language = "hu"
    personas.admin_a.save(update_fields=["language"])
    with deliver():
        ticket = make_ticket()
    mail.outbox.clear()
    with deliver():
        _resolve(personas, ticket)
    (message,) = _resolution_emails(personas.admin_a)
    assert "Hogyan dolgoztunk?" in message.body and len(_links(message.body)) == 2


def test_closing_an_unanswered_ticket_asks_again_and_an_answered_one_does_not(
    personas, make_ticket, deliver
):
    with deliver():
        first, second = make_ticket(), make_ticket(title="Second")
        first, second = _resolve(personas, first), _resolve(personas, second)
    Client().get(_path(_links(_resolution_emails(personas.admin_a)[-1].body)[0]))
    mail.outbox.clear()
    with deliver():
        for ticket in (first, second):
            ticket_services.ticket_transition(
                personas.agent, ticket=ticket, action="confirm_resolution"
            )
    by_reference = {m.subject.split("]")[0][1:]: m for m in sent_to(personas.admin_a.email)}
    answered = SatisfactionSurvey.objects.get().ticket.reference
    unanswered = ({first.reference, second.reference} - {answered}).pop()
    assert not _links(by_reference[answered].body)
    assert len(_links(by_reference[unanswered].body)) == 2
