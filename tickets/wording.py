"""What people read of a ticket's choices: the customer's name of each status and the
help beside each ticket type. The staff's names are the choices' own labels."""

from __future__ import annotations

from tickets.models import Status, TicketType

TYPE_HELP = {
    TicketType.INCIDENT: "Something that worked has stopped working or misbehaves.",
    TicketType.SERVICE_REQUEST: "A question, or a request for something to be done.",
    TicketType.BUG: "The software does not behave as documented.",
    TicketType.ENHANCEMENT: "A request for new or changed functionality. Not a fault, so it "
    "carries no response target.",
}


# The one name of each status a customer reads, wherever they read it (lists, the
# ticket, emails, history); staff read the labels of Status. Triage is internal, so
# "new" is "received" to a customer, and the two states that wait for them say so.
CUSTOMER_STATUS_NAMES = {
    Status.NEW: "Received",
    Status.ACKNOWLEDGED: "Acknowledged",
    Status.IN_PROGRESS: "In progress",
    Status.WAITING_ON_CUSTOMER: "Waiting for your answer",
    Status.WORKAROUND_PROVIDED: "Workaround provided",
    Status.RESOLVED: "Resolved: please confirm",
    Status.CLOSED: "Closed",
}
_STATUS_BY_LABEL = {str(status.label): status for status in Status}


def status_name(status: str, *, for_staff: bool) -> str:
    """The name of a status for staff or for a customer. ``status`` is a value
    ("waiting_on_customer") or a staff label as history rows store it ("Waiting on
    customer"); anything else comes back unchanged."""
    known = Status(status) if status in Status.values else _STATUS_BY_LABEL.get(status)
    if known is None:
        return status
    return str(known.label) if for_staff else CUSTOMER_STATUS_NAMES[known]
