"""The free-text communication frequency gives way to the cadence (read into it, or kept
in the action plan, by 0008). Its own migration: PostgreSQL will not alter a table in
the transaction that has just updated its rows (pending deferred foreign-key checks)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("tickets", "0008_escalation_cadence")]

    operations = [
        migrations.RemoveField(model_name="escalationrequest", name="communication_frequency"),
        migrations.AddConstraint(
            model_name="escalationrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("cadence_amount__isnull", True),
                        ("cadence_calendar__isnull", True),
                        ("cadence_unit", ""),
                    ),
                    models.Q(
                        ("cadence_amount__gte", 1),
                        ("cadence_calendar__isnull", False),
                        models.Q(("cadence_unit", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="escalation_cadence_whole",
                violation_error_message="A cadence needs an amount, a unit and a calendar.",
            ),
        ),
    ]
