"""Words and colours of the customer portal: a ticket's status as a customer reads it."""

from django import template

from tickets.models import Status

register = template.Library()

CUSTOMER_STATUS = {
    Status.NEW: "Received",
    Status.ACKNOWLEDGED: "Acknowledged",
    Status.IN_PROGRESS: "In progress",
    Status.WAITING_ON_CUSTOMER: "Waiting for your answer",
    Status.WORKAROUND_PROVIDED: "Workaround provided",
    Status.RESOLVED: "Resolved: please confirm",
    Status.CLOSED: "Closed",
}

# Bootstrap's text-bg-* pairs keep text and background at an accessible contrast.
STATUS_BADGE = {
    Status.NEW: "text-bg-secondary",
    Status.ACKNOWLEDGED: "text-bg-info",
    Status.IN_PROGRESS: "text-bg-primary",
    Status.WAITING_ON_CUSTOMER: "text-bg-warning",
    Status.WORKAROUND_PROVIDED: "text-bg-info",
    Status.RESOLVED: "text-bg-success",
    Status.CLOSED: "text-bg-light border",
}

SEVERITY_BADGE = {"S1": "text-bg-danger", "S2": "text-bg-warning", "S3": "text-bg-info"}


@register.filter
def customer_status(status: str) -> str:
    return CUSTOMER_STATUS.get(status, status)


@register.filter
def status_badge(status: str) -> str:
    return STATUS_BADGE.get(status, "text-bg-secondary")


@register.filter
def severity_badge(severity: str) -> str:
    return SEVERITY_BADGE.get(severity, "text-bg-light border")
