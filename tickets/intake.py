"""Intake: the checks a new ticket meets (contract, product, channel) and logging it,
with its reference, its clocks and its first history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import permissions
from accounts.models import Organization, User
from accounts.scoping import service
from sla import services as clocks
from sla.models import Channel, Contract, ProductVersion, Severity
from sla.selectors import contract_in_force
from tickets import changes, limits, uploads
from tickets.attachments import validate_upload
from tickets.models import Priority, Ticket, TicketCounter, TicketType

F = TypeVar("F", bound=Callable[..., Any])

# The history's words for a new ticket, stored in English (the help desk's own
# language) and shown in each reader's: the ticket page translates them.
LOGGED_VIA: dict[str, str] = {
    Channel.PORTAL: gettext_noop("Logged via portal"),
    Channel.EMAIL: gettext_noop("Logged via email"),
    Channel.PHONE: gettext_noop("Logged via phone"),
    Channel.API: gettext_noop("Logged via api"),
}


@dataclass(frozen=True)
class IntakeCheck:
    contract_valid: bool
    product_covered: bool
    channel_entitled: bool
    warnings: tuple[str, ...]
    contract: Contract | None = None  # the contract in force, found by the check


def intake_check(
    *, organization: Organization, product_version: ProductVersion | None, channel: str
) -> IntakeCheck:
    """The seeds' intake checks: contract valid today, product covered, channel entitled."""
    contract = contract_in_force(organization=organization, covering=product_version)
    warnings = []
    if contract is None:
        warnings.append(
            f"{organization.name} has no valid support contract today: the ticket is "
            "accepted, flagged, and gets no SLA clock."
        )
        return IntakeCheck(False, True, True, tuple(warnings))
    covered = product_version is None or bool(getattr(contract, "covers", True))
    if not covered:
        warnings.append(f"{product_version} is not covered by the contract.")
    entitled = channel == Channel.API or channel in contract.entitled_channels
    if not entitled:
        warnings.append(
            f"The contract does not include {Channel(channel).label.lower()} support "
            f"(entitled: {', '.join(contract.entitled_channels)})."
        )
    return IntakeCheck(True, covered, entitled, tuple(warnings), contract)


def _next_number(organization: Organization) -> int:
    # One statement creates the counter or counts on: the row lock it takes serialises
    # concurrent creations per organisation until the transaction ends, and a rollback
    # returns the number (PostgreSQL and SQLite both know this upsert).
    table = TicketCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organization_id, last_number) VALUES (%s, 1) "  # noqa: S608 - our own table name
            f"ON CONFLICT (organization_id) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [organization.pk],
        )
        return cursor.fetchone()[0]


def _clean_intake(
    *, type: str, severity: str, business_impact: str, title: str, description: str
) -> str:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Give the ticket a short title.")
    if not description.strip():
        errors["description"] = _("Describe what happened.")
    for field, value, limit in (
        ("title", title, limits.TITLE_MAX_CHARS),
        ("description", description, limits.TEXT_MAX_CHARS),
        ("business_impact", business_impact, limits.REASON_MAX_CHARS),
    ):
        if len(value) > limit:
            errors[field] = limits.too_long(len(value), limit)
    if type == TicketType.ENHANCEMENT:
        severity = ""
    elif severity not in Severity.values:
        errors["severity"] = _("Choose how severe the problem is.")
    if severity == Severity.S1 and not business_impact.strip():
        errors["business_impact"] = _(
            "A critical (S1) ticket needs a business-impact statement: what has stopped, "
            "and for whom."
        )
    if errors:
        raise ValidationError(errors)
    return severity


def _one_ticket_per_intake_key(log: F) -> F:
    """The same ``intake_key`` twice (a double submission) gives back the ticket the
    first submission created instead of a second one: the twin's insert meets the
    unique constraint on (organisation, intake key), its transaction rolls back (and
    gives its number back: no holes), and the first ticket is read. A concurrent twin
    waits on the organisation's counter row until the first commits, so it always
    finds it; a creation without a twin pays no query for the check."""

    @wraps(log)
    def wrapped(*args, **kwargs):
        try:
            return log(*args, **kwargs)
        except IntegrityError:
            existing = _submitted_before(
                organization=kwargs["organization"], intake_key=kwargs.get("intake_key", "")
            )
            if existing is None:
                raise
            return existing

    return wrapped  # type: ignore[return-value]  # the same signature as log


@service(tenant="organization")
def _submitted_before(*, organization: Organization, intake_key: str) -> Ticket | None:
    if not intake_key:
        return None
    return Ticket.objects.filter(organization=organization, intake_key=intake_key).first()


@_one_ticket_per_intake_key
@service(tenant="organization")
def ticket_create(
    actor: User,
    *,
    organization: Organization,
    requester: User,
    title: str,
    description: str,
    type: str = TicketType.INCIDENT,
    severity: str = "",
    priority: str = Priority.MEDIUM,
    product_version: ProductVersion | None = None,
    channel: str = Channel.PORTAL,
    business_impact: str = "",
    watchers: Sequence[User] = (),
    attachments: Sequence[UploadedFile] = (),
    intake_key: str = "",
    mismatch_confirmed: bool | None = None,
) -> Ticket:
    """Log a ticket; the same ``intake_key`` twice is one ticket.

    A request that does not match the contract (none in force, product not covered,
    channel not entitled) is accepted and flagged, but for a customer naming a product
    version their contract does not cover (the portal offers only those). Support staff
    logging a call say they told the customer: ``mismatch_confirmed=False`` refuses such
    a request until they do (None: no confirmation asked, as in the portal and by
    email)."""
    if not permissions.can_log_ticket_for(actor, organization):
        raise PermissionDenied(_("You cannot log tickets for this organisation."))
    if permissions.organization_of(requester) != organization:
        raise ValidationError(
            {"requester": _("The requester must be a contact of the organisation.")}
        )
    if not permissions.is_staff_member(actor) and requester != actor:
        raise PermissionDenied(_("Customers log tickets in their own name."))
    severity = _clean_intake(
        type=type,
        severity=severity,
        business_impact=business_impact,
        title=title,
        description=description,
    )
    for upload in attachments:
        validate_upload(upload)
    check = intake_check(
        organization=organization, product_version=product_version, channel=channel
    )
    if not check.product_covered and not permissions.is_staff_member(actor):
        # The portal offers a customer only the versions of their contract.
        raise ValidationError(
            {"product_version": _("Your contract does not cover this product version.")}
        )
    if check.warnings and mismatch_confirmed is False:
        raise ValidationError(
            {
                "confirm_mismatch": _(
                    "The request does not match the contract: tell the customer, then confirm."
                )
            }
        )
    at = changes.now()
    number = _next_number(organization)
    ticket = Ticket(
        intake_key=intake_key,
        organization=organization,
        number=number,
        reference=f"{organization.code}-{number}",
        title=title.strip(),
        description=description,
        type=type,
        severity=severity,
        priority=priority if permissions.is_staff_member(actor) else Priority.MEDIUM,
        product_version=product_version,
        channel=channel,
        business_impact=business_impact,
        requester=requester,
        created_by=actor,
        contract=check.contract,
        has_valid_contract=check.contract_valid,
        product_covered=check.product_covered,
        channel_entitled=check.channel_entitled,
        created_at=at,
        updated_at=at,
        last_activity_at=at,
    )
    # Its clocks are scheduled first, so that the ticket is inserted with their deadline.
    planned = clocks.clocks_for_new_ticket(ticket=ticket, at=at) if ticket.has_sla else []
    changes.set_deadline(ticket, clocks.first_deadline(planned))
    ticket.save(force_insert=True)
    clocks.clocks_insert(ticket=ticket, clocks=planned)
    changes.set_watchers(ticket, watchers)
    for upload in attachments:
        changes.store_attachment(ticket, None, upload, actor, at)
    uploads.pending_uploads_claim(
        actor, ticket=ticket, reply=None, texts=[description], draft_key=intake_key, at=at
    )
    logged = LOGGED_VIA.get(channel, f"Logged via {channel}")
    changes.record(ticket, actor, "created", message=logged, at=at, version=ticket.version)
    for warning in check.warnings:
        changes.record(
            ticket, None, "intake_warning", message=warning, public=False, at=at, version=1
        )
    changes.notify("ticket_created", ticket)
    return ticket
