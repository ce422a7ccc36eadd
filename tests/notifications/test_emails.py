"""Building emails: the thread root stored with the ticket (no race between workers),
subjects, and the plain-text part."""

import threading

import pytest
from django.db import connection, transaction
from django_scopes import scopes_disabled

from notifications import emails, services
from notifications.models import Kind, TicketThread
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_ticket_gets_its_thread_root_when_it_is_created(make_ticket):
    ticket = make_ticket()

    thread = TicketThread.objects.get(ticket=ticket)
    assert thread.root_message_id == f"<ticket-{ticket.reference}@helpdesk.test>"
    assert emails.root_message_id(ticket) == thread.root_message_id


def test_a_ticket_without_a_stored_root_gets_one_once(make_ticket):
    ticket = make_ticket()
    TicketThread.objects.filter(ticket=ticket).delete()

    first = emails.root_message_id(ticket)
    assert emails.root_message_id(ticket) == first
    assert TicketThread.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_notifying_on_a_new_ticket_at_once_both_finish(make_ticket, personas):
    """One worker holds the ticket's row lock (as a ticket service does) while another
    notifies about the same ticket: creating the thread root lazily, they deadlocked."""
    with scopes_disabled():
        ticket = make_ticket()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def notify(n: int, lock_ticket: bool):
        try:
            with scopes_disabled(), transaction.atomic():
                if lock_ticket:
                    Ticket.objects.select_for_update().get(pk=ticket.pk)
                barrier.wait()
                services.notifications_create(
                    kind=Kind.NOTE_ADDED,
                    event_key=f"race:{n}",
                    users=[personas.agent],
                    ticket=ticket,
                )
                if not lock_ticket:
                    # Keep the transaction open while the other one works.
                    Ticket.objects.filter(pk=ticket.pk).exists()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=notify, args=(n, n == 0)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    with scopes_disabled():
        assert TicketThread.objects.filter(ticket=ticket).count() == 1


def test_a_long_non_ascii_subject_decodes_without_a_stray_space(make_ticket):
    from email import message_from_bytes
    from email import policy as email_policy

    from notifications.models import OutboundEmail

    ticket = make_ticket(title="Számlázási hiba: Kovács-Öberg Zoltán ügyfélszolgálati jegye sürgős")
    outbound = OutboundEmail.objects.filter(ticket=ticket).first() or services.outbound_write(
        key={"kind": Kind.TICKET_CREATED, "event_key": "subject-test"},
        recipient="zoltan@example.com",
        ticket=ticket,
        rendered=emails.render(Kind.TICKET_CREATED, {}, ticket=ticket),
    )
    raw = emails.build_message(outbound).message().as_bytes()

    header = raw.split(b"Subject:", 1)[1].split(b"\n", 1)[0]
    assert header.strip(), "the subject starts on its own continuation line"
    parsed = message_from_bytes(raw, policy=email_policy.default)
    assert str(parsed["Subject"]) == outbound.subject
    assert outbound.subject.startswith(f"[{ticket.reference}] ")


def test_the_text_part_of_a_reply_email_has_no_raw_markdown(personas, make_ticket, deliver):
    from django.core import mail

    from tickets import services as ticket_services

    with deliver():
        ticket = make_ticket()
    mail.outbox.clear()
    with deliver():
        ticket_services.ticket_reply(
            personas.agent,
            ticket=ticket,
            body="This is **test**, see [the guide](https://docs.example/guide).\n\n- one\n- two",
        )

    (message,) = [m for m in mail.outbox if m.to == [personas.admin_a.email]]
    assert "**" not in message.body and "[the guide]" not in message.body
    assert "This is test, see the guide (https://docs.example/guide)." in message.body
    assert "- one\n- two" in message.body
