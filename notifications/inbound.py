"""Email in: replies land on their ticket, known contacts open tickets by email.

Messages arrive through anymail's inbound webhooks (``anymail.signals.inbound``; the
webhook's basic auth is checked by anymail before anything is read) or from a Maildir
(``manage.py fetch_mail``). Both end in :func:`inbound_receive`:

1. The Message-ID is recorded within the receiving mailbox under a unique constraint,
   in the same transaction as everything else: the same payload delivered twice, or
   concurrently, makes one reply.
2. Loops are refused: auto-replies (Auto-Submitted, Precedence bulk/list/auto_reply),
   bounces, and our own Message-IDs never create tickets or replies.
3. Threading: In-Reply-To/References first, then ``[ACME-1042]`` in the subject, and
   only when the sender may see that ticket (its requester, a watcher, a customer
   administrator of its organisation, or staff). A stranger quoting a reference never
   writes into someone else's ticket. Staff must also prove who they are (the From
   header proves nothing): a public reply only to the signed reply address of their
   notification; otherwise the mail is an internal note flagged unverified.
4. Otherwise a known contact opens a new ticket (channel email); an unknown sender gets
   one polite answer, at most once a day per address.
"""

from __future__ import annotations

import hashlib
import html
import logging
import mailbox as mailbox_module
import re

import nh3
from anymail.inbound import AnymailInboundMessage
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts import permissions
from accounts.models import User
from notifications import emails, services
from notifications.models import (
    InboundMessage,
    InboundOutcome,
    Kind,
    OutboundEmail,
    TicketThread,
)
from tickets import intake, visibility
from tickets import services as ticket_services
from tickets.attachments import validate_upload
from tickets.models import Status, Ticket, TicketType
from tickets.workflow import TransitionError

log = logging.getLogger(__name__)

BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
AUTO_REPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoreply-From")
ROBOT_MAILBOXES = {"mailer-daemon", "postmaster"}
MESSAGE_ID = re.compile(r"<[^<>\s]+>")
INTERNAL_NOTICE = "internal notice"
REPLY_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg|sv|vs)\s*:\s*)+", re.IGNORECASE)


# --- Entry points -------------------------------------------------------------------------


def on_anymail_inbound(sender, event, esp_name, **kwargs) -> None:
    """anymail's inbound signal. An exception here answers the ESP with a 500, so it
    delivers the message again later; the Message-ID record keeps that to one reply."""
    inbound_receive(message=event.message)


def maildir_fetch(*, path: str, mailbox: str | None = None) -> int:
    """Process every unseen message of a Maildir, then mark it seen (moved to cur/).

    A message that fails stays unseen and is tried again on the next run.
    """
    box = mailbox_module.Maildir(path, factory=None, create=False)
    processed = 0
    for key in list(box.iterkeys()):
        stored = box.get_message(key)
        if "S" in stored.get_flags():
            continue
        try:
            message = AnymailInboundMessage.parse_raw_mime_bytes(box.get_bytes(key))
            inbound_receive(message=message, mailbox=mailbox)
        except Exception:
            log.exception("inbound message %s in %s could not be processed", key, path)
            continue
        stored.set_subdir("cur")
        stored.add_flag("S")
        box[key] = stored
        processed += 1
    return processed


# --- The one door ---------------------------------------------------------------------------


def inbound_receive(*, message: AnymailInboundMessage, mailbox: str | None = None):
    """Process one received email once. Returns its InboundMessage, or None when the
    same Message-ID was already received in this mailbox."""
    mailbox = (mailbox or settings.SUPPORT_EMAIL).lower()
    message_id = _message_id(message)
    sender = _sender(message)
    subject = " ".join((message.subject or "").split())[:300]
    # Email-in works across organisations; every query below starts from the sender.
    with scopes_disabled(), transaction.atomic():
        try:
            with transaction.atomic():
                record = InboundMessage.objects.create(
                    mailbox=mailbox,
                    message_id=message_id,
                    sender=sender,
                    subject=subject,
                    outcome=InboundOutcome.IGNORED,
                )
        except IntegrityError:
            log.info("inbound %s already received in %s", message_id, mailbox)
            return None
        _process(record, message)
        record.save()
        return record


def _process(record: InboundMessage, message: AnymailInboundMessage) -> None:
    loop = loop_reason(message, sender=record.sender, message_id=record.message_id)
    if loop:
        record.outcome, record.detail = InboundOutcome.LOOP, loop
        return
    if not record.sender:
        record.detail = "No sender address."
        return
    user = User.objects.filter(email__iexact=record.sender, is_active=True).first()
    ticket, found_by = thread_ticket(message, mailbox=record.mailbox)
    if found_by == INTERNAL_NOTICE:
        record.detail = "A reply to an internal notice: not posted. Write on the ticket page."
        return
    body, uploads, refused = _content(message)
    if ticket is not None and user is not None and visibility.can_view(user, ticket):
        if permissions.can_work_tickets(user) and not _staff_reply_verified(message, user, ticket):
            _unverified_note(record, user, ticket, body, uploads, refused, found_by)
            return
        if _reply(record, user, ticket, body, uploads, refused, found_by):
            return
    elif ticket is not None:
        record.detail = (
            f"{record.sender} may not write on {ticket.reference} (found by {found_by}): "
            "not threaded. "
        )
    organization = permissions.organization_of(user) if user is not None else None
    if organization is not None:
        _new_ticket(record, user, organization, message, body, uploads, refused)
        return
    if user is not None:
        record.detail += "Staff email without a ticket to thread into."
        return
    _answer_unknown_sender(record)


def _reply(record, user, ticket, body, uploads, refused, found_by) -> bool:

    reopen = ticket.status == Status.CLOSED and not permissions.can_work_tickets(user)
    try:
        if reopen:
            # The customer's email is the reason of the reopen, posted as its reply:
            # one step, one message to the people on the ticket.
            ticket = ticket_services.ticket_transition(
                user,
                ticket=ticket,
                action="reopen",
                reason=_with_refusals(body, refused),
                attachments=uploads,
                via="email",
                message_id=record.message_id,
            )
            reply = ticket.replies.filter(message_id=record.message_id).latest("pk")
        else:
            reply = ticket_services.ticket_reply(
                user,
                ticket=ticket,
                body=_with_refusals(body, refused),
                attachments=uploads,
                via="email",
                message_id=record.message_id,
            )
    except TransitionError as error:
        record.detail = f"{ticket.reference} is closed and cannot be reopened ({error}). "
        return False
    except (ValidationError, PermissionDenied) as error:
        record.detail = f"Not added to {ticket.reference}: {_message_of(error)} "
        return False
    record.outcome = InboundOutcome.REPLY
    record.organization_id = ticket.organization_id
    record.ticket, record.reply = ticket, reply
    record.detail = (
        f"{'Reopened' if reopen else 'Reply on'} {ticket.reference}, threaded by {found_by}."
    )
    return True


def _staff_reply_verified(message: AnymailInboundMessage, user, ticket) -> bool:
    """Staff prove an emailed reply by answering the signed reply address of the
    notification they received (emails.reply_address): anyone can write a From header."""
    addresses = [address.addr_spec for address in [*message.to, *message.cc]]
    addresses += [
        message.envelope_recipient or "",
        message.get("Delivered-To") or "",
        message.get("X-Original-To") or "",
    ]
    return any(
        emails.reply_address_is_valid(address, user=user, ticket=ticket)
        for address in addresses
        if address
    )


def _unverified_note(record, user, ticket, body, uploads, refused, found_by) -> None:
    """An email that claims to come from staff without proof: kept for the team as an
    internal note flagged unverified, never shown to the customer."""

    flagged = (
        f"**Unverified email** from {record.sender}: it did not answer a signed reply "
        "address, so it may not come from this person. Not shown to the customer.\n\n"
        f"{body}"
    )
    try:
        reply = ticket_services.ticket_reply(
            user,
            ticket=ticket,
            body=_with_refusals(flagged, refused),
            internal=True,
            attachments=uploads,
            via="email",
            message_id=record.message_id,
        )
    except (ValidationError, PermissionDenied) as error:
        record.detail = f"Not added to {ticket.reference}: {_message_of(error)} "
        return
    record.outcome = InboundOutcome.REPLY
    record.organization_id = ticket.organization_id
    record.ticket, record.reply = ticket, reply
    record.detail = (
        f"Unverified staff email: internal note on {ticket.reference}, threaded by {found_by}."
    )


def _new_ticket(record, user, organization, message, body, uploads, refused) -> None:

    title = _title(message.subject or "") or "Email without a subject"
    try:
        ticket = intake.ticket_create(
            user,
            organization=organization,
            requester=user,
            title=title,
            description=_with_refusals(body, refused),
            # Triaged by an agent: email carries no severity, so it starts at the lowest.
            type=TicketType.SERVICE_REQUEST,
            severity="S3",
            channel="email",
            attachments=uploads,
        )
    except (ValidationError, PermissionDenied) as error:
        record.detail += f"No ticket opened: {_message_of(error)}"
        return
    record.outcome = InboundOutcome.TICKET
    record.organization_id = organization.pk
    record.ticket = ticket
    record.detail += f"Opened {ticket.reference}."


def _answer_unknown_sender(record: InboundMessage) -> None:
    """One polite answer per address and day, keyed like every other email."""
    record.outcome = InboundOutcome.UNKNOWN_SENDER
    key = {"kind": Kind.UNKNOWN_SENDER, "event_key": f"day:{timezone.now().date().isoformat()}"}
    if OutboundEmail.objects.filter(recipient=record.sender, **key).exists():
        record.detail += "Unknown sender, already answered today."
        return
    subject = REPLY_PREFIX.sub("", record.subject)
    rendered = emails.render(Kind.UNKNOWN_SENDER, {"subject": subject, "sender": record.sender})
    outbound = services.outbound_write(
        key=key,
        recipient=record.sender,
        rendered=rendered,
        in_reply_to=record.message_id,
        auto_reply=True,
    )
    if outbound is not None:
        services.outbound_enqueue_on_commit([outbound.pk])
    record.detail += "Unknown sender, answered politely."


# --- Reading a message ----------------------------------------------------------------------


def _message_id(message: AnymailInboundMessage) -> str:
    found = MESSAGE_ID.findall(message.get("Message-ID") or "")
    if found:
        return found[0][:255]
    # No Message-ID: the content itself identifies a redelivered payload.
    digest = hashlib.sha256(message.as_bytes()).hexdigest()
    return f"<{digest}@no-message-id>"


def _sender(message: AnymailInboundMessage) -> str:
    address = message.from_email
    if isinstance(address, list):
        address = address[0] if address else None
    return (address.addr_spec if address is not None else "").strip().lower()[:254]


def loop_reason(message: AnymailInboundMessage, *, sender: str, message_id: str) -> str:
    """Why this message must not be answered or recorded as a reply, or ""."""
    auto = (message.get("Auto-Submitted") or "").strip().lower()
    if auto and auto != "no":
        return f"Automatic message (Auto-Submitted: {auto})."
    precedence = (message.get("Precedence") or "").strip().lower()
    if precedence in BULK_PRECEDENCE:
        return f"Bulk or automatic message (Precedence: {precedence})."
    for header in AUTO_REPLY_HEADERS:
        if message.get(header):
            return f"Auto-reply ({header})."
    if emails.is_our_message_id(message_id):
        return "Our own message came back."
    if OutboundEmail.objects.filter(message_id=message_id).exists():
        return "Our own message came back."
    if getattr(message, "envelope_sender", None) == "" or message.get_content_type() == (
        "multipart/report"
    ):
        return "Delivery report (bounce)."
    if getattr(message, "spam_detected", None):
        return "Marked as spam by the email provider."
    local, _, _domain = sender.partition("@")
    if sender == settings.SUPPORT_EMAIL.lower() or local in ROBOT_MAILBOXES:
        return f"Sent by {sender}: a robot or ourselves."
    return ""


def thread_ticket(message: AnymailInboundMessage, *, mailbox: str):
    """The ticket a message belongs to, and how it was found ("header" or "subject")."""

    ids = MESSAGE_ID.findall(message.get("In-Reply-To") or "")
    ids += list(reversed(MESSAGE_ID.findall(message.get("References") or "")))
    ids = list(dict.fromkeys(ids))[:50]
    if ids:
        ours = (
            OutboundEmail.objects.filter(message_id__in=ids, ticket__isnull=False)
            .values_list("ticket_id", "kind")
            .first()
        )
        if ours is not None and ours[1] in emails.INTERNAL_KINDS:
            return None, INTERNAL_NOTICE
        ticket_id = (
            (ours[0] if ours is not None else None)
            or TicketThread.objects.filter(root_message_id__in=ids)
            .values_list("ticket_id", flat=True)
            .first()
            or InboundMessage.objects.filter(
                mailbox=mailbox, message_id__in=ids, ticket__isnull=False
            )
            .values_list("ticket_id", flat=True)
            .first()
        )
        if ticket_id:
            return Ticket.objects.select_related("organization").get(pk=ticket_id), "header"
    match = emails.REFERENCE_IN_SUBJECT.search(message.subject or "")
    if match:
        ticket = Ticket.objects.select_related("organization").filter(reference=match[1]).first()
        if ticket is not None:
            return ticket, "subject"
    return None, ""


def _content(message: AnymailInboundMessage):
    """The reply text without quoted history, the attachments we accept, and a line
    for each attachment we refused."""

    text = message.stripped_text or message.text
    if not text and message.html:
        text = html_to_text(message.html)
    body = strip_quoted(text or "")
    uploads, refused = [], []
    for part in message.attachments:
        name = part.get_filename() or "attachment"
        upload = SimpleUploadedFile(name, part.get_content_bytes() or b"", part.get_content_type())
        try:
            validate_upload(upload)
        except ValidationError as error:
            refused.append(f"{name}: {_message_of(error)}")
            continue
        uploads.append(upload)
    if not body:
        body = "(Attachments only.)" if uploads else "(The email had no text.)"
    return body, uploads, refused


def _with_refusals(body: str, refused: list[str]) -> str:
    if not refused:
        return body
    lines = "\n".join(f"- {line}" for line in refused)
    return f"{body}\n\n_Attachments not accepted:_\n{lines}"


def _message_of(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or type(error).__name__


def _title(subject: str) -> str:
    title = emails.REFERENCE_IN_SUBJECT.sub("", subject)
    title = REPLY_PREFIX.sub("", title)
    return " ".join(title.split())[:200]


# --- Cleaning the text ----------------------------------------------------------------------

BLOCK_END = re.compile(r"</(p|div|li|tr|h[1-6]|pre|table)\s*>|<br\s*/?>", re.IGNORECASE)
QUOTE_INTRO = re.compile(
    r"^\s*(on|le|am|el|il|op)\b.{0,300}\b(wrote|a écrit|schrieb|escribió|ha scritto|schreef):?\s*$",
    re.IGNORECASE | re.DOTALL,
)
QUOTE_SEPARATORS = (
    re.compile(r"^\s*-{2,}\s*original message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(r"^-- $"),  # the signature delimiter
)
OUTLOOK_HEADER = re.compile(r"^\s*\*?(from|von|de)\s*:\*?\s", re.IGNORECASE)
OUTLOOK_FOLLOWERS = re.compile(r"^\s*\*?(sent|date|gesendet|envoyé|to)\s*:", re.IGNORECASE)


def html_to_text(value: str) -> str:
    """Sanitised text of an HTML email: quoted blocks, scripts and styles dropped with
    their content by nh3, every other tag removed, entities decoded."""
    cleaned = nh3.clean(
        value,
        tags={"p", "div", "li", "tr", "br", "pre", "table", "h1", "h2", "h3", "h4", "h5", "h6"},
        attributes={},
        clean_content_tags={"blockquote", "script", "style", "head", "title"},
    )
    with_breaks = BLOCK_END.sub("\n", cleaned)
    text = html.unescape(nh3.clean(with_breaks, tags=set(), attributes={}))
    text = re.sub(r"[ \t\xa0]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def strip_quoted(text: str) -> str:
    """The new part of a reply: cut at our reply marker, at "On … wrote:", at an
    Outlook header block or separator, at the signature; drop "> " quoted lines."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if (
            emails.REPLY_MARKER in line
            or QUOTE_INTRO.match(line)
            or (
                line.strip().lower().startswith(("on ", "le ", "am ", "el "))
                and QUOTE_INTRO.match(f"{line} {following}")
            )
            or any(pattern.match(line) for pattern in QUOTE_SEPARATORS)
            or OUTLOOK_HEADER.match(line)
            and any(
                OUTLOOK_FOLLOWERS.match(candidate) for candidate in lines[index + 1 : index + 4]
            )
        ):
            cut = index
        if cut != len(lines):
            break
    kept = [line for line in lines[:cut] if not line.lstrip().startswith(">")]
    result = "\n".join(kept).strip()
    return result
