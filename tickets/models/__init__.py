"""Tickets, their conversation, attachments, escalation requests and history.

Every row carries its ``organization`` (copied down from the ticket) and a scoped
manager, so a customer-facing query outside the organisation's scope raises.
"""

from tickets.models.conversation import (
    REPLY_SEARCH_VECTOR,
    Attachment,
    PendingUpload,
    Reply,
    TicketEvent,
    attachment_path,
)
from tickets.models.escalations import (
    CADENCE_MAX,
    EscalationRequest,
    EscalationStatus,
)
from tickets.models.links import LinkKind, TicketLink, side_kind
from tickets.models.ticket import (
    OPEN_STATUS_VALUES,
    OPEN_STATUSES,
    PRIORITY_RANK,
    SEVERITY_RANK,
    URGENCY_ORDER,
    Priority,
    Status,
    Ticket,
    TicketCounter,
    TicketDocument,
    TicketQuerySet,
    TicketType,
)
from tickets.models.workspace import (
    AssignChoice,
    CannedResponse,
    SavedView,
)

__all__ = [
    "TicketType",
    "Priority",
    "TicketDocument",
    "Status",
    "OPEN_STATUSES",
    "OPEN_STATUS_VALUES",
    "PRIORITY_RANK",
    "SEVERITY_RANK",
    "URGENCY_ORDER",
    "TicketCounter",
    "TicketQuerySet",
    "Ticket",
    "REPLY_SEARCH_VECTOR",
    "Reply",
    "attachment_path",
    "Attachment",
    "PendingUpload",
    "TicketEvent",
    "EscalationStatus",
    "CADENCE_MAX",
    "EscalationRequest",
    "SavedView",
    "AssignChoice",
    "CannedResponse",
    "LinkKind",
    "TicketLink",
    "side_kind",
]
