"""What customers hear of merges and parent incidents (notifications.handlers)."""

import pytest
from django.core import mail
from django.db import transaction

from core import events
from notifications.models import Kind, Notification
from tests.notifications.conftest import sent_to
from tickets import links, merging, services

pytestmark = pytest.mark.django_db


def test_both_requesters_are_told_of_a_merge_each_in_their_language(
    personas, make_ticket, deliver, daytime
):
    personas.user_a.language = "hu"
    personas.user_a.save(update_fields=["language"])
    with deliver():
        duplicate = make_ticket(requester=personas.user_a, title="Invoices fail")
        target = make_ticket(requester=personas.admin_a, title="Posting broken")
    mail.outbox.clear()

    with deliver():
        merging.ticket_merge(personas.agent, source=duplicate, target=target)

    [to_duplicates] = sent_to(personas.user_a.email)
    assert to_duplicates.subject.startswith(f"[{duplicate.reference}] ")
    assert target.reference in to_duplicates.subject
    assert "Kedves Arthur" in to_duplicates.body  # Hungarian, as he reads
    assert "Merged" not in to_duplicates.subject
    [to_targets] = sent_to(personas.admin_a.email)
    assert to_targets.subject.startswith(f"[{target.reference}] ")
    # A colleague's duplicate is never named to the target's requester.
    assert duplicate.reference not in to_targets.body
    assert duplicate.reference not in to_targets.subject
    assert not sent_to(personas.agent.email)

    assert Notification.objects.filter(kind=Kind.TICKET_MERGED).count() == 2

    # Handled again (a worker's retry), nobody hears twice.
    sent = len(mail.outbox)
    with deliver(), transaction.atomic():
        events.dispatch(
            "ticket_merged",
            {
                "ticket": {"model": "tickets.ticket", "pk": duplicate.pk},
                "target": {"model": "tickets.ticket", "pk": target.pk},
            },
        )
    assert len(mail.outbox) == sent
    assert Notification.objects.filter(kind=Kind.TICKET_MERGED).count() == 2


def test_a_parent_incidents_reply_reaches_each_childs_customers_once(
    personas, make_ticket, deliver, daytime
):
    with deliver():
        parent = make_ticket(requester=personas.admin_a, title="Outage")
        child = make_ticket(requester=personas.admin_a, title="Cannot post")
        foreign = make_ticket(requester=personas.admin_b, title="Scanner down")
        for each in (child, foreign):
            links.ticket_set_parent(personas.agent, ticket=each, parent=parent)
    mail.outbox.clear()

    with deliver():
        services.ticket_reply(personas.agent, ticket=parent, body="Power is back.")

    # Alice is on the parent and the child: one message. Bob reads it on his own ticket.
    assert len(sent_to(personas.admin_a.email)) == 1
    [to_bob] = sent_to(personas.admin_b.email)
    assert to_bob.subject.startswith(f"[{foreign.reference}] ")
    assert parent.reference not in to_bob.body and "Outage" not in to_bob.body
    assert "Power is back." in to_bob.body
