"""A colleague named with ``@`` in an internal note hears about it once, in app and by
email, in their language, with a link to the ticket; customers and public replies never
notify anyone through a mention (rule in tickets.mentions)."""

import pytest
from django.core import mail
from django.urls import reverse

from core import events
from notifications import services as notification_services
from notifications.models import Kind, Notification, OutboundEmail, PendingEvent
from tests import factories
from tests.notifications.conftest import sent_to
from tickets import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def zoe(db):
    return factories.StaffFactory(full_name="Zoé Zentai", email="zoe@vendor.example")


def test_a_mentioned_colleague_gets_one_notification_and_one_email_linking_the_ticket(
    personas, make_ticket, deliver, daytime, zoe
):
    ticket = make_ticket()
    with deliver():
        services.ticket_reply(
            personas.agent,
            ticket=ticket,
            body="@zoe @ZOE could you check the licence server?",
            internal=True,
        )

    note = Notification.objects.get(recipient=zoe)
    assert note.kind == Kind.MENTIONED
    assert note.url == reverse("ticket_detail", kwargs={"reference": ticket.reference})
    [message] = sent_to(zoe.email)
    assert message.subject == (
        f"[{ticket.reference}] Agnes Agent mentioned you in a note: {ticket.title}"
    )
    assert "licence server" in message.body
    assert ticket.reference in message.body


def test_the_mention_event_dispatched_twice_notifies_once(personas, make_ticket, daytime, zoe):
    ticket = make_ticket()
    PendingEvent.objects.all().delete()
    services.ticket_reply(personas.agent, ticket=ticket, body="ping @zoe", internal=True)
    event = PendingEvent.objects.get(name="note_added")

    assert notification_services.event_dispatch(event_id=event.pk, at=daytime) is True
    events.dispatch(event.name, event.payload)  # replayed by hand

    assert Notification.objects.filter(recipient=zoe).count() == 1
    assert OutboundEmail.objects.filter(recipient=zoe.email).count() == 1


def test_a_mentioned_assignee_hears_once_as_a_mention(personas, make_ticket, deliver, daytime):
    ticket = make_ticket()
    services.ticket_assign(personas.manager, ticket=ticket, assignee=personas.agent)
    with deliver():
        services.ticket_reply(
            personas.manager, ticket=ticket, body="@AgnesAgent see this", internal=True
        )

    assert [m.to for m in mail.outbox] == [[personas.agent.email]]
    assert list(
        Notification.objects.filter(recipient=personas.agent).values_list("kind", flat=True)
    ) == [Kind.MENTIONED]


def test_customers_the_author_and_public_replies_notify_nobody(
    personas, make_ticket, deliver, daytime, zoe
):
    ticket = make_ticket()
    with deliver():
        services.ticket_reply(
            personas.agent,
            ticket=ticket,
            body="@AliceAdmin @AgnesAgent internal only",
            internal=True,
        )
    assert mail.outbox == []
    with deliver():
        services.ticket_reply(personas.agent, ticket=ticket, body="Thanks, @zoe will call you.")
    assert sent_to(zoe.email) == []
    assert not Notification.objects.filter(kind=Kind.MENTIONED).exists()


def test_the_mention_is_written_in_the_colleagues_language(
    personas, make_ticket, deliver, daytime, zoe
):
    zoe.language = "hu"
    zoe.save(update_fields=["language"])
    ticket = make_ticket()
    with deliver():
        services.ticket_reply(personas.agent, ticket=ticket, body="@zoe nézd meg", internal=True)

    [message] = sent_to(zoe.email)
    assert "megemlített" in message.subject


def test_the_agent_is_told_which_names_notified_nobody(client, personas, make_ticket, zoe):
    ticket = make_ticket()
    client.force_login(personas.agent)
    response = client.post(
        reverse("ticket_reply", kwargs={"reference": ticket.reference}),
        {"body": "@zoe @nobody @AliceAdmin look", "internal": "on"},
        follow=True,
    )
    text = response.content.decode()
    assert "Internal note added." in text
    assert "No single colleague matches @nobody, @aliceadmin" in text
