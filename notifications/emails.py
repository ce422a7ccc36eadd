"""Rendering notification emails and building the message that goes to the provider.

Each kind has ``templates/emails/<kind>_subject.txt``, ``_body.txt`` and ``_body.html``.
The subject of every ticket email starts with the reference (``[ACME-1042] …``): the
code puts it there, so no template can forget it. Threading headers point at the
ticket's root Message-ID, so mail clients keep a ticket's messages together.
"""

from __future__ import annotations

import email.message
import re
import uuid
import zoneinfo
from dataclasses import dataclass
from email.header import Header

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts import permissions
from accounts.languages import language_of
from notifications.models import Kind, OutboundEmail, TicketThread
from surveys import links as survey_links
from surveys import selectors as survey_selectors
from surveys.models import Rating

# Replies typed above this line land on the ticket; everything below it is cut off.
REPLY_MARKER = "##- Please type your reply above this line -##"
REPLY_ADDRESS_SALT = "notifications.emails.reply_address"
REFERENCE_IN_SUBJECT = re.compile(r"\[([A-Z0-9]{2,10}-\d+)\]")
# Notices for staff about a ticket: answering one by email must not post a public reply.
INTERNAL_KINDS = frozenset(
    {
        Kind.NOTE_ADDED,
        Kind.MENTIONED,
        Kind.ASSIGNED,
        Kind.SLA_WARNING,
        Kind.UPDATE_DUE,
        Kind.SLA_BREACH,
        Kind.ONCALL_PAGE,
        Kind.ONCALL_ESCALATION,
        Kind.ESCALATION_REQUESTED,
        Kind.DELIVERY_FAILED,
    }
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def ticket_url(ticket) -> str:
    return site_url(reverse("ticket_detail", kwargs={"reference": ticket.reference}))


def timezone_of(user, ticket=None) -> str:
    """The user's own zone; else the vendor's for staff, the organisation's for customers."""
    if user is not None and user.timezone:
        return user.timezone
    if ticket is not None and not (user is not None and user.staff_role):
        return ticket.organization.timezone
    return settings.TIME_ZONE


# The emails that ask a resolved or closed ticket's requester how we did (surveys.links).
SURVEY_KINDS = frozenset({Kind.TICKET_RESOLVED, Kind.STATUS_CHANGED})


def survey_urls(kind: str, *, ticket, recipient) -> dict:
    """The signed one-click "good" and "bad" links, for the requester only, in the emails
    that tell them their ticket is resolved or closed."""
    if (
        kind not in SURVEY_KINDS
        or ticket is None
        or recipient is None
        or recipient.pk != ticket.requester_id
        or not permissions.can_answer_survey(recipient, ticket)
    ):
        return {}
    if kind == Kind.STATUS_CHANGED and (
        ticket.status != "closed" or survey_selectors.survey_for(ticket=ticket) is not None
    ):
        return {}  # asked on resolution already, or answered
    return {
        "survey_good_url": site_url(survey_links.answer_path(ticket, Rating.GOOD)),
        "survey_bad_url": site_url(survey_links.answer_path(ticket, Rating.BAD)),
    }


def render(kind: str, context: dict, *, ticket=None, recipient=None) -> Rendered:
    """The three parts of one email, in the recipient's timezone and language (not the
    language of whoever caused it)."""
    context = {
        "ticket": ticket,
        "recipient": recipient,
        "ticket_url": ticket_url(ticket) if ticket is not None else "",
        "site_url": settings.SITE_URL.rstrip("/"),
        "preferences_url": site_url(reverse("notification_preferences")),
        "reply_marker": REPLY_MARKER,
        "internal": kind in INTERNAL_KINDS,
        "autoclose_days": settings.TICKET_AUTOCLOSE_DAYS,
        **survey_urls(kind, ticket=ticket, recipient=recipient),
        **context,
    }
    zone = zoneinfo.ZoneInfo(timezone_of(recipient, ticket))
    with timezone.override(zone), translation.override(language_of(recipient)):
        subject = " ".join(render_to_string(f"emails/{kind}_subject.txt", context).split())
        text = render_to_string(f"emails/{kind}_body.txt", context)
        html = render_to_string(f"emails/{kind}_body.html", context)
    if ticket is not None:
        subject = f"[{ticket.reference}] {subject}"
    return Rendered(subject=subject[:300], text=text, html=html)


def new_message_id(ticket=None) -> str:
    """``<ticket-ACME-1042-<uuid>@domain>`` (``<helpdesk-<uuid>@domain>`` without a ticket)."""
    stem = f"ticket-{ticket.reference}" if ticket is not None else "helpdesk"
    return f"<{stem}-{uuid.uuid4().hex}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"


def thread_open(ticket) -> str:
    """Store a new ticket's thread root, in the transaction that creates the ticket.

    No other transaction can see the ticket before it commits, so none can race to
    insert this row; notifying workers later only read it (two workers inserting it
    lazily deadlocked: each waited on the other's uncommitted row or ticket lock).
    """
    root = f"<ticket-{ticket.reference}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
    TicketThread.objects.create(
        ticket=ticket, organization_id=ticket.organization_id, root_message_id=root
    )
    return root


def root_message_id(ticket) -> str:
    """The ticket's stable thread root (stored by :func:`thread_open` at its creation).

    A ticket from before thread roots were stored gets one here, by INSERT … ON
    CONFLICT DO NOTHING and a read: never an error, never a second root.
    """
    thread = TicketThread.objects.filter(ticket=ticket).first()
    if thread is not None:
        return thread.root_message_id
    root = f"<ticket-{ticket.reference}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
    TicketThread.objects.bulk_create(
        [TicketThread(ticket=ticket, organization_id=ticket.organization_id, root_message_id=root)],
        ignore_conflicts=True,
    )
    return TicketThread.objects.get(ticket=ticket).root_message_id


def reply_address(*, user_id: int, ticket_id: int) -> str:
    """``support+<ticket>-<user>-<signature>@domain``: the Reply-To of a ticket email to
    staff. A staff member's emailed reply is public only when it answers this address:
    a From header alone proves nothing (inbound.py)."""
    local, _, domain = settings.SUPPORT_EMAIL.partition("@")
    return f"{local}+{_reply_token(user_id, ticket_id)}@{domain}"


def _reply_token(user_id: int, ticket_id: int) -> str:
    # Hex, not base64: some mail systems change the case of the local part.
    signature = salted_hmac(REPLY_ADDRESS_SALT, f"{ticket_id}:{user_id}").hexdigest()[:24]
    return f"{ticket_id}-{user_id}-{signature}"


def reply_address_is_valid(address: str, *, user, ticket) -> bool:
    """Whether ``address`` is the signed reply address of this user on this ticket."""
    local, _, domain = address.strip().lower().partition("@")
    support_local, _, support_domain = settings.SUPPORT_EMAIL.lower().partition("@")
    if domain != support_domain or not local.startswith(support_local + "+"):
        return False
    token = local.removeprefix(support_local + "+")
    return constant_time_compare(token, _reply_token(user.pk, ticket.pk))


def is_our_message_id(message_id: str) -> bool:
    """Our own Message-IDs, recognised by their form and domain (for loop detection)."""
    value = message_id.strip().strip("<>").lower()
    domain = settings.EMAIL_MESSAGE_ID_DOMAIN.lower()
    return value.endswith("@" + domain) and value.startswith(("ticket-", "helpdesk-"))


class TicketEmail(EmailMultiAlternatives):
    """Django folds a long non-ASCII subject onto a continuation line of its own
    ("Subject:" then " =?utf-8?…"), which mail clients decode with a leading space.
    The standard library folds it properly when it knows the header's name."""

    def message(self):
        message = super().message()
        subject = str(self.subject)
        if not subject.isascii():
            del message["Subject"]
            # The base class's __setitem__: Django's would turn the Header back into text.
            email.message.Message.__setitem__(
                message, "Subject", Header(subject, "utf-8", header_name="Subject")
            )
        return message


def build_message(outbound: OutboundEmail) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": outbound.message_id,
        # RFC 3834: automatic mail; auto-responders should not answer it.
        "Auto-Submitted": "auto-replied" if outbound.auto_reply else "auto-generated",
        "X-Auto-Response-Suppress": "All",
    }
    if outbound.in_reply_to:
        headers["In-Reply-To"] = outbound.in_reply_to
        headers["References"] = outbound.references or outbound.in_reply_to
    reply_to = settings.SUPPORT_EMAIL
    if outbound.ticket_id and outbound.user is not None and outbound.user.staff_role:
        reply_to = reply_address(user_id=outbound.user.pk, ticket_id=outbound.ticket_id)
    message = TicketEmail(
        subject=outbound.subject,
        body=outbound.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[outbound.recipient],
        reply_to=[reply_to],
        headers=headers,
    )
    if outbound.body_html:
        message.attach_alternative(outbound.body_html, "text/html")
    return message
