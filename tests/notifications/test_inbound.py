"""Email in: replies threaded by header or by subject, only for people allowed on the
ticket; new tickets from known contacts; loops, duplicates and strangers refused."""

import mailbox
import threading
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from anymail.inbound import AnymailInboundMessage
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django_scopes import scopes_disabled

from notifications import inbound
from notifications.models import InboundMessage, InboundOutcome, Kind, OutboundEmail
from tests import factories
from tests.notifications.conftest import local
from tickets import services
from tickets.models import Reply, Status, Ticket

pytestmark = pytest.mark.django_db


def raw_email(
    *,
    sender: str,
    subject: str = "Re: your ticket",
    body: str = "Thanks, that worked.",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    headers: dict | None = None,
    html: str | None = None,
    attachments=(),
    to: str = "support@helpdesk.test",
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="customer.example")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, data, content_type in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def receive(raw: bytes):
    return inbound.inbound_receive(message=AnymailInboundMessage.parse_raw_mime_bytes(raw))


@pytest.fixture
def ticket(make_ticket, at, deliver, personas):
    """ACME's S2 ticket, logged at 10:00 by Alice: its confirmation email went out."""
    at(local(25, 10))
    with deliver():
        return make_ticket(severity="S2", watchers=[personas.user_a])


def confirmation_id(ticket, to) -> str:
    return OutboundEmail.objects.get(ticket=ticket, recipient=to.email).message_id


def email_replies(ticket) -> list[Reply]:
    return list(Reply.objects.filter(ticket=ticket, via="email"))


def test_a_reply_threaded_by_its_in_reply_to_header_lands_on_the_ticket(ticket, personas):
    our_id = confirmation_id(ticket, personas.admin_a)
    record = receive(
        raw_email(
            sender=personas.admin_a.email,
            subject="Re: something else entirely",
            body="It fails again since this morning.\n\n"
            "On Wed, 25 Nov 2026 at 10:00, Support <support@helpdesk.test> wrote:\n"
            "> ##- Please type your reply above this line -##\n> We have logged your request",
            in_reply_to=our_id,
            references=our_id,
            message_id="<reply-1@acme.example>",
        )
    )

    assert record.outcome == InboundOutcome.REPLY
    assert "threaded by header" in record.detail
    (reply,) = email_replies(ticket)
    assert reply.author == personas.admin_a
    assert reply.body == "It fails again since this morning."
    assert reply.message_id == "<reply-1@acme.example>"
    assert not reply.is_internal


def test_a_reply_is_threaded_by_the_tickets_root_message_id_too(ticket, personas):
    receive(
        raw_email(
            sender=personas.user_a.email,
            subject="Re: no reference here",
            references=f"<ticket-{ticket.reference}@helpdesk.test>",
        )
    )

    assert [r.author for r in email_replies(ticket)] == [personas.user_a]


def test_a_reply_threaded_by_the_reference_in_its_subject_lands_on_the_ticket(ticket, personas):
    record = receive(
        raw_email(sender=personas.admin_a.email, subject=f"Re: [{ticket.reference}] Invoices")
    )

    assert record.outcome == InboundOutcome.REPLY
    assert "threaded by subject" in record.detail
    assert [r.body for r in email_replies(ticket)] == ["Thanks, that worked."]


def test_the_header_wins_over_a_reference_in_the_subject(ticket, make_ticket, personas):
    other = make_ticket(severity="S3", title="Another problem")
    receive(
        raw_email(
            sender=personas.admin_a.email,
            subject=f"Re: [{other.reference}] mixed up",
            in_reply_to=confirmation_id(ticket, personas.admin_a),
        )
    )

    assert len(email_replies(ticket)) == 1
    assert email_replies(other) == []


def test_a_stranger_quoting_a_reference_never_writes_into_that_ticket(
    ticket, personas, eager_celery, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        record = receive(
            raw_email(
                sender="mallory@evil.example",
                subject=f"Re: [{ticket.reference}] add me",
                in_reply_to=confirmation_id(ticket, personas.admin_a),
            )
        )

    assert email_replies(ticket) == []
    assert record.outcome == InboundOutcome.UNKNOWN_SENDER
    assert f"may not write on {ticket.reference}" in record.detail
    # The one polite answer: automatic, threaded to their message, no ticket data in it.
    (answer,) = mail.outbox
    assert answer.to == ["mallory@evil.example"]
    assert answer.extra_headers["Auto-Submitted"] == "auto-replied"
    assert answer.extra_headers["In-Reply-To"] == record.message_id
    assert ticket.title not in answer.body and ticket.reference in answer.subject


def test_another_organisations_contact_quoting_a_reference_opens_their_own_ticket(ticket, personas):
    record = receive(
        raw_email(sender=personas.admin_b.email, subject=f"Re: [{ticket.reference}] me too")
    )

    assert email_replies(ticket) == []
    assert record.outcome == InboundOutcome.TICKET
    assert record.ticket.organization == personas.org_b
    assert record.ticket.title == "me too"


def test_a_colleague_not_on_the_ticket_cannot_join_it_by_email(ticket, personas):
    colleague = factories.customer(personas.org_a, full_name="Carl Colleague")
    record = receive(
        raw_email(sender=colleague.email, subject=f"Re: [{ticket.reference}] Invoices")
    )

    assert email_replies(ticket) == []
    assert record.outcome == InboundOutcome.TICKET
    assert record.ticket.requester == colleague


def test_staff_reply_to_their_signed_reply_address_is_a_public_reply(ticket, personas, deliver):
    services.ticket_assign(personas.manager, ticket=ticket, assignee=personas.agent)
    with deliver():
        receive(raw_email(sender=personas.admin_a.email, subject=f"[{ticket.reference}] more"))
    (notice,) = [m for m in mail.outbox if m.to == [personas.agent.email]]
    (reply_to,) = notice.reply_to
    assert reply_to.startswith("support+") and reply_to.endswith("@helpdesk.test")

    mail.outbox.clear()
    with deliver():
        record = receive(
            raw_email(
                sender=personas.agent.email,
                to=reply_to,
                subject=f"Re: [{ticket.reference}] more",
                body="We have a fix.",
            )
        )

    reply = record.reply
    assert reply.author == personas.agent and not reply.is_internal
    assert reply.body == "We have a fix."
    assert personas.admin_a.email in [m.to[0] for m in mail.outbox]


def test_an_email_claiming_to_be_from_staff_becomes_an_unverified_internal_note(
    ticket, personas, deliver
):
    mail.outbox.clear()
    with deliver():
        record = receive(
            raw_email(
                sender=personas.agent.email,
                subject=f"[{ticket.reference}] Please send your password",
                body="Reply with your password.",
            )
        )

    reply = record.reply
    assert reply.is_internal and reply.author == personas.agent
    assert reply.body.startswith("**Unverified email** from agent")
    assert "Reply with your password." in reply.body
    assert "Unverified" in record.detail
    customers = {personas.admin_a.email, personas.user_a.email}
    assert not [m for m in mail.outbox if m.to[0] in customers]


def test_a_signed_reply_address_of_another_ticket_or_person_proves_nothing(
    ticket, make_ticket, personas
):
    from notifications import emails

    with scopes_disabled():
        other = make_ticket(severity="S3")
    for forged in (
        emails.reply_address(user_id=personas.agent.pk, ticket_id=other.pk),
        emails.reply_address(user_id=personas.manager.pk, ticket_id=ticket.pk),
        f"support+{ticket.pk}-{personas.agent.pk}-{'0' * 24}@helpdesk.test",
    ):
        record = receive(
            raw_email(sender=personas.agent.email, to=forged, subject=f"[{ticket.reference}] x")
        )
        assert record.reply.is_internal, forged


def test_a_reply_to_an_internal_notice_is_not_posted_to_the_customer(ticket, personas, deliver):
    with deliver():
        services.ticket_assign(personas.manager, ticket=ticket, assignee=personas.agent)
    notice = OutboundEmail.objects.get(ticket=ticket, kind=Kind.ASSIGNED)

    record = receive(
        raw_email(
            sender=personas.agent.email,
            subject=f"Re: [{ticket.reference}] Assigned to you",
            in_reply_to=notice.message_id,
        )
    )

    assert email_replies(ticket) == []
    assert "internal notice" in record.detail


def test_a_reply_to_a_closed_ticket_reopens_it(ticket, personas):
    services.ticket_transition(personas.agent, ticket=ticket, action="start_progress")
    services.ticket_transition(
        personas.agent, ticket=ticket, action="resolve", resolution="Fixed in 8.1.3."
    )
    services.ticket_transition(personas.admin_a, ticket=ticket, action="confirm_resolution")

    receive(raw_email(sender=personas.admin_a.email, subject=f"[{ticket.reference}] back"))

    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert len(email_replies(ticket)) == 1


def test_an_email_reply_notifies_the_assignee(ticket, personas, deliver):
    services.ticket_assign(personas.manager, ticket=ticket, assignee=personas.agent)
    mail.outbox.clear()
    with deliver():
        receive(raw_email(sender=personas.admin_a.email, subject=f"[{ticket.reference}] more"))

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas.agent.email, personas.user_a.email]
    )


# --- Loops and duplicates ------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Auto-Submitted": "auto-generated"},
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
        {"Precedence": "list"},
        {"X-Autoreply": "yes"},
    ],
)
def test_an_auto_reply_never_creates_a_reply_or_an_answer(
    ticket, personas, headers, eager_celery, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for sender in (personas.admin_a.email, "robot@elsewhere.example"):
            record = receive(
                raw_email(
                    sender=sender,
                    subject=f"Out of office: [{ticket.reference}]",
                    in_reply_to=confirmation_id(ticket, personas.admin_a),
                    headers=headers,
                )
            )
            assert record.outcome == InboundOutcome.LOOP

    assert email_replies(ticket) == []
    assert mail.outbox == []
    assert Ticket.objects.count() == 1


def test_our_own_message_coming_back_is_refused(ticket, personas):
    record = receive(
        raw_email(
            sender=personas.admin_a.email,
            subject=f"[{ticket.reference}] looped",
            message_id=confirmation_id(ticket, personas.admin_a),
        )
    )

    assert record.outcome == InboundOutcome.LOOP
    assert email_replies(ticket) == []


def test_mail_the_provider_marked_as_spam_is_refused(ticket, personas):
    message = AnymailInboundMessage.parse_raw_mime_bytes(
        raw_email(sender=personas.admin_a.email, subject=f"[{ticket.reference}] cheap pills")
    )
    message.spam_detected = True

    record = inbound.inbound_receive(message=message)

    assert record.outcome == InboundOutcome.LOOP
    assert email_replies(ticket) == []


def test_a_bounce_from_the_mailer_daemon_is_refused(ticket):
    record = receive(
        raw_email(sender="MAILER-DAEMON@mx.acme.example", subject="Undelivered Mail Returned")
    )

    assert record.outcome == InboundOutcome.LOOP
    assert not OutboundEmail.objects.filter(kind=Kind.UNKNOWN_SENDER).exists()


def test_the_same_payload_delivered_twice_makes_one_reply(ticket, personas):
    raw = raw_email(sender=personas.admin_a.email, subject=f"Re: [{ticket.reference}] once")

    assert receive(raw) is not None
    assert receive(raw) is None

    assert len(email_replies(ticket)) == 1
    assert InboundMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_payload_delivered_concurrently_makes_one_reply(make_ticket, personas):
    with scopes_disabled():
        ticket = make_ticket(severity="S2")
    raw = raw_email(sender=personas.admin_a.email, subject=f"Re: [{ticket.reference}] race")
    barrier = threading.Barrier(4)
    results = []

    def deliver_once():
        barrier.wait()
        try:
            results.append(receive(raw))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver_once) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(result is not None for result in results) == 1
    with scopes_disabled():
        assert Reply.objects.filter(ticket=ticket, via="email").count() == 1


def test_a_message_without_message_id_is_still_received_once(ticket, personas):
    raw = raw_email(sender=personas.admin_a.email, subject=f"[{ticket.reference}] no id")
    raw = b"\n".join(line for line in raw.split(b"\n") if not line.startswith(b"Message-ID"))

    assert receive(raw) is not None
    assert receive(raw) is None
    assert len(email_replies(ticket)) == 1


def test_an_unknown_sender_is_answered_at_most_once_a_day(
    db, at, eager_celery, django_capture_on_commit_callbacks
):
    at(local(25, 10))
    with django_capture_on_commit_callbacks(execute=True):
        receive(raw_email(sender="Someone@Example.org", subject="Hello?"))
        receive(raw_email(sender="someone@example.org", subject="Hello again?"))
    assert [m.to for m in mail.outbox] == [["someone@example.org"]]
    assert mail.outbox[0].subject == "Re: Hello?"

    at(local(26, 10))
    with django_capture_on_commit_callbacks(execute=True):
        receive(raw_email(sender="someone@example.org", subject="Anyone?"))
    assert len(mail.outbox) == 2
    assert not Ticket.objects.exists()


# --- New tickets and content ----------------------------------------------------------------


def test_a_known_contact_opens_a_ticket_by_email_with_its_attachments(contracts, personas, at):
    at(local(25, 10))
    record = receive(
        raw_email(
            sender=personas.user_a.email,
            subject="Fwd: Payroll export fails",
            body="The export stops at 50%.",
            attachments=[
                ("export.log", b"ERROR at row 5012\n", "text/plain"),
                ("tool.exe", b"MZ\x90\x00", "application/octet-stream"),
            ],
        )
    )

    ticket = record.ticket
    assert record.outcome == InboundOutcome.TICKET
    assert ticket.organization == personas.org_a
    assert ticket.requester == personas.user_a
    assert ticket.channel == "email"
    assert ticket.title == "Payroll export fails"
    assert ticket.description.startswith("The export stops at 50%.")
    assert "tool.exe" in ticket.description  # refused, and said so on the ticket
    assert [a.filename for a in ticket.attachments.all()] == ["export.log"]
    assert ticket.attachments.get().file.read() == b"ERROR at row 5012\n"


def test_html_only_email_is_sanitised_and_its_quoted_history_dropped(ticket, personas):
    html = (
        "<div>Still <b>broken</b> &amp; urgent<script>alert(1)</script></div>"
        "<p onclick='x()'>Second line</p>"
        "<blockquote type='cite'>On Tuesday you wrote: old text</blockquote>"
        "<style>p {color: red}</style>"
    )
    message = AnymailInboundMessage.construct(
        from_email=personas.admin_a.email,
        to="support@helpdesk.test",
        subject=f"Re: [{ticket.reference}] html",
        html=html,
        headers=[("Message-ID", "<html-1@acme.example>")],
    )
    inbound.inbound_receive(message=message)

    (reply,) = email_replies(ticket)
    assert reply.body == "Still broken & urgent\nSecond line"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("New info.\n\nOn Wed, 25 Nov 2026, 10:00 Support wrote:\n> old", "New info."),
        (
            "New info.\n\nOn Wed, 25 Nov 2026 at 10:00, Support Desk <\nsupport@x.test> wrote:\n"
            "> old",
            "New info.",
        ),
        (
            "New info.\n\nFrom: Support <support@x.test>\nSent: Wednesday\nTo: Alice\nold",
            "New info.",
        ),
        ("New info.\n-----Original Message-----\nold", "New info."),
        ("New info.\n> quoted line\nmore new", "New info.\nmore new"),
        ("New info.\n-- \nAlice, ACME", "New info."),
        ("Top.\n##- Please type your reply above this line -##\nold", "Top."),
    ],
)
def test_quoted_history_is_stripped(text, expected):
    assert inbound.strip_quoted(text) == expected


# --- The webhook and the Maildir ------------------------------------------------------------


def postmark_payload(raw: bytes) -> dict:
    return {"RawEmail": raw.decode(), "OriginalRecipient": "support@helpdesk.test"}


@pytest.fixture
def webhook_secret(settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": "hook-user:s3cret"}
    return "hook-user", "s3cret"


def test_a_forged_webhook_post_is_refused(client, ticket, personas, webhook_secret):
    raw = raw_email(sender=personas.admin_a.email, subject=f"[{ticket.reference}] forged")
    url = reverse("inbound_webhook", kwargs={"esp": "postmark"})

    unsigned = client.post(url, postmark_payload(raw), content_type="application/json")
    wrong = client.post(
        url,
        postmark_payload(raw),
        content_type="application/json",
        headers={"authorization": "Basic aG9vay11c2VyOndyb25n"},  # hook-user:wrong
    )

    assert unsigned.status_code == 400
    assert wrong.status_code == 400
    assert email_replies(ticket) == []
    assert not InboundMessage.objects.exists()


def test_the_webhook_is_closed_until_a_secret_is_configured(client, settings):
    settings.ANYMAIL = {k: v for k, v in settings.ANYMAIL.items() if k != "WEBHOOK_SECRET"}
    url = reverse("inbound_webhook", kwargs={"esp": "postmark"})

    assert client.post(url, {}, content_type="application/json").status_code == 404
    assert client.get(url).status_code == 405


def test_an_authenticated_webhook_post_lands_the_reply(client, ticket, personas, webhook_secret):
    raw = raw_email(sender=personas.admin_a.email, subject=f"Re: [{ticket.reference}] ok")
    url = reverse("inbound_webhook", kwargs={"esp": "postmark"})
    import base64

    token = base64.b64encode(":".join(webhook_secret).encode()).decode()

    response = client.post(
        url,
        postmark_payload(raw),
        content_type="application/json",
        headers={"authorization": f"Basic {token}"},
    )
    again = client.post(
        url,
        postmark_payload(raw),
        content_type="application/json",
        headers={"authorization": f"Basic {token}"},
    )

    assert response.status_code == 200 and again.status_code == 200
    assert [r.body for r in email_replies(ticket)] == ["Thanks, that worked."]


def test_an_unknown_provider_has_no_webhook(client, webhook_secret):
    url = reverse("inbound_webhook", kwargs={"esp": "pigeon"})
    assert client.post(url, {}).status_code == 404


def test_fetch_mail_reads_a_maildir_once(ticket, personas, tmp_path):
    box = mailbox.Maildir(tmp_path / "support", create=True)
    box.add(raw_email(sender=personas.admin_a.email, subject=f"[{ticket.reference}] one"))
    box.add(raw_email(sender=personas.user_a.email, subject=f"[{ticket.reference}] two"))

    call_command("fetch_mail", maildir=str(tmp_path / "support"))
    call_command("fetch_mail", maildir=str(tmp_path / "support"))

    assert sorted(r.author.email for r in email_replies(ticket)) == sorted(
        [personas.admin_a.email, personas.user_a.email]
    )
    assert all("S" in box.get_message(key).get_flags() for key in box.iterkeys())
    assert InboundMessage.objects.count() == 2


def test_the_fetch_mail_task_reads_the_configured_maildir(ticket, personas, tmp_path, settings):
    from notifications.tasks import fetch_mail

    box = mailbox.Maildir(tmp_path / "in", create=True)
    box.add(raw_email(sender=personas.admin_a.email, subject=f"[{ticket.reference}] task"))
    settings.INBOUND_MAILDIR = str(tmp_path / "in")

    assert fetch_mail() == 1
    assert fetch_mail() == 0
    assert len(email_replies(ticket)) == 1
