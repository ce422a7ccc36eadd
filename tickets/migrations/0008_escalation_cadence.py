"""Escalation requests end with their ticket; an action plan's update cadence is a
duration of the SLA engine's units on a calendar.

Data, best effort:
- a request still awaiting review on a ticket already resolved or closed ends now
  (status "ended", handled when the ticket was resolved or closed), with one history
  row, as tickets.services does from now on;
- an accepted plan's free-text frequency is read into the cadence where it says
  "daily", "weekly", "every 4 hours", "every 2 business days", "every 2 hours 24x7"…
  (hours and minutes on the vendor's calendar, or around the clock when it says so);
  text that cannot be read is kept at the end of the action plan instead. The next
  migration drops the free-text column. Running clocks are not started here: a plan
  accepted before this runs none until it is accepted again.
"""

import re

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

WORDS = {
    "hourly": (1, "hours"),
    "daily": (1, "business_days"),
    "weekly": (1, "weeks"),
    "fortnightly": (2, "weeks"),
    "monthly": (1, "months"),
}
UNITS = {
    "minute": "minutes",
    "min": "minutes",
    "hour": "hours",
    "day": "business_days",
    "week": "weeks",
    "month": "months",
}
EVERY = re.compile(
    r"(?:(?:every|each)\s+|once\s+(?:a|an|per|every)\s+)?(\d+)?\s*(?:(?:business|working)\s+)?"
    r"(minute|min|hour|day|week|month)s?\b"
)
AROUND_THE_CLOCK = ("24x7", "24/7", "around the clock", "round the clock")


def parse_frequency(text):
    """(amount, unit, around the clock) from free text, or None."""
    text = " ".join(text.lower().split())
    word = re.match(r"(hourly|daily|weekly|fortnightly|monthly)\b", text)
    if word:
        amount, unit = WORDS[word.group(1)]
    else:
        every = EVERY.match(text)
        if every is None:
            return None
        amount, unit = int(every.group(1) or 1), UNITS[every.group(2)]
    if not 1 <= amount <= 999:
        return None
    return amount, unit, any(words in text for words in AROUND_THE_CLOCK)


def read_frequencies(apps, schema_editor):
    """Each accepted plan's free-text frequency into its cadence, or into its plan."""
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    EscalationRequest = apps.get_model("tickets", "EscalationRequest")

    vendor = (
        BusinessCalendar.objects.filter(name=settings.ONCALL_CALENDAR_NAME).first()
        or BusinessCalendar.objects.filter(always_open=False).order_by("name").first()
    )
    always = BusinessCalendar.objects.filter(always_open=True).order_by("name").first()

    for escalation in EscalationRequest._base_manager.filter(status="accepted").exclude(
        communication_frequency=""
    ):
        text = escalation.communication_frequency.strip()
        parsed = parse_frequency(text)
        calendar = None
        if parsed is not None:
            amount, unit, around = parsed
            calendar = always if around and unit in ("minutes", "hours") else vendor
        if parsed is not None and calendar is not None:
            escalation.cadence_amount, escalation.cadence_unit = amount, unit
            escalation.cadence_calendar = calendar
        else:
            plan = escalation.action_plan.rstrip()
            escalation.action_plan = f"{plan}\n\nAgreed update frequency: {text}".lstrip()
        escalation.save(
            update_fields=["cadence_amount", "cadence_unit", "cadence_calendar", "action_plan"]
        )


def end_pending_requests(apps, schema_editor):
    """A request still awaiting review on a resolved or closed ticket ends, as
    tickets.services ends one from now on: status, note and a public history row."""
    EscalationRequest = apps.get_model("tickets", "EscalationRequest")
    TicketEvent = apps.get_model("tickets", "TicketEvent")

    ended = EscalationRequest._base_manager.filter(
        status="pending", ticket__status__in=["resolved", "closed"]
    ).select_related("ticket")
    for escalation in ended:
        ticket = escalation.ticket
        word = "closed" if ticket.status == "closed" else "resolved"
        at = (ticket.closed_at if word == "closed" else ticket.resolved_at) or timezone.now()
        note = f"The ticket was {word} before a manager decided on the request."
        escalation.status, escalation.handled_at, escalation.decision_note = "ended", at, note
        escalation.save(update_fields=["status", "handled_at", "decision_note"])
        TicketEvent._base_manager.create(
            ticket=ticket,
            organization_id=ticket.organization_id,
            actor=None,
            kind="escalation_ended",
            message=note,
            is_public=True,
            ticket_version=ticket.version,
            created_at=at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0002_default_policies"),
        ("tickets", "0007_queue_order_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="escalationrequest",
            name="cadence_amount",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(999),
                ],
                verbose_name="updates every",
            ),
        ),
        migrations.AddField(
            model_name="escalationrequest",
            name="cadence_calendar",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="sla.businesscalendar",
            ),
        ),
        migrations.AddField(
            model_name="escalationrequest",
            name="cadence_unit",
            field=models.CharField(
                blank=True,
                choices=[
                    ("minutes", "minutes"),
                    ("hours", "hours"),
                    ("business_days", "business days"),
                    ("weeks", "weeks"),
                    ("months", "months"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="escalationrequest",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Awaiting review"),
                    ("accepted", "Accepted"),
                    ("declined", "Declined"),
                    ("ended", "Ended with the ticket"),
                ],
                default="pending",
                max_length=10,
            ),
        ),
        migrations.RunPython(read_frequencies, migrations.RunPython.noop),
        migrations.RunPython(end_pending_requests, migrations.RunPython.noop),
    ]
