"""The ticket's deadline is now the earliest one still owed, a breached target included
(it was the earliest running one), with the calendar of the clock that sets it."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


OPEN = ["new", "acknowledged", "in_progress", "waiting_on_customer", "workaround_provided"]


def owed_deadlines(apps, schema_editor):
    """What sla.services.refresh_ticket_deadline now keeps, for every open ticket."""
    from django.db.models import Q

    Ticket = apps.get_model("tickets", "Ticket")
    SLAClock = apps.get_model("sla", "SLAClock")
    owed = (
        SLAClock.objects.filter(ticket__status__in=OPEN)
        .filter(Q(state="running") | Q(state="breached", met_at__isnull=True))
        .exclude(due_at=None)
        .order_by("ticket_id", "due_at")
        .values_list("ticket_id", "state", "due_at", "warn_at", "calendar_id")
    )
    found: dict[int, list] = {}
    for ticket_id, state, due_at, warn_at, calendar_id in owed.iterator(chunk_size=5000):
        row = found.setdefault(ticket_id, [due_at, None, calendar_id, False])
        if state == "running" and warn_at and (row[1] is None or warn_at < row[1]):
            row[1] = warn_at
        row[3] = row[3] or state == "breached"
    changed = []
    for ticket in Ticket.objects.filter(pk__in=list(found)).only("pk").iterator(2000):
        due_at, warn_at, calendar_id, breached = found[ticket.pk]
        ticket.sla_due_at, ticket.sla_warn_at = due_at, warn_at
        ticket.sla_due_calendar_id, ticket.sla_breached = calendar_id, breached
        changed.append(ticket)
    Ticket.objects.bulk_update(
        changed,
        ["sla_due_at", "sla_warn_at", "sla_due_calendar", "sla_breached"],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_teams"),
        ("sla", "0009_escalation_update_kind"),
        ("tickets", "0009_escalation_cadence_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="sla_due_calendar",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="sla.businesscalendar",
            ),
        ),
        migrations.RunPython(owed_deadlines, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                models.F("sla_due_calendar"),
                models.F("sla_due_at"),
                models.Case(
                    models.When(priority="urgent", then=models.Value(0)),
                    models.When(priority="high", then=models.Value(1)),
                    models.When(priority="medium", then=models.Value(2)),
                    default=models.Value(3),
                    output_field=models.IntegerField(),
                ),
                models.Case(
                    models.When(severity="S1", then=models.Value(0)),
                    models.When(severity="S2", then=models.Value(1)),
                    models.When(severity="S3", then=models.Value(2)),
                    default=models.Value(3),
                    output_field=models.IntegerField(),
                ),
                models.F("created_at"),
                models.F("id"),
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "new",
                            "acknowledged",
                            "in_progress",
                            "waiting_on_customer",
                            "workaround_provided",
                        ],
                    )
                ),
                name="ticket_open_overdue_idx",
            ),
        ),
    ]
