from django.db import migrations, models
from django.db.models import Sum


def fill_summarised_days(apps, schema_editor):
    """Every organisation's tickets of each day already summarised, as
    dashboard.services.summary_refresh stores them (zeros for a day without any), so that
    the trend of no period loses a day until the next dashboard_summaries run."""
    summary_day = apps.get_model("dashboard", "SummaryDay")
    ticket_day = apps.get_model("dashboard", "TicketDay")
    ticket_total_day = apps.get_model("dashboard", "TicketTotalDay")
    sums = {
        row["day"]: row
        for row in ticket_day.objects.values("day")
        .annotate(intake=Sum("intake"), resolved=Sum("resolved"), backlog=Sum("backlog"))
        .order_by()
    }
    ticket_total_day.objects.bulk_create(
        ticket_total_day(
            day=day,
            intake=sums.get(day, {}).get("intake") or 0,
            resolved=sums.get(day, {}).get("resolved") or 0,
            backlog=sums.get(day, {}).get("backlog") or 0,
        )
        for day in summary_day.objects.values_list("day", flat=True).order_by("day")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0004_resolution_time_days"),
    ]

    operations = [
        migrations.CreateModel(
            name="TicketTotalDay",
            fields=[
                ("day", models.DateField(primary_key=True, serialize=False, verbose_name="day")),
                ("intake", models.PositiveIntegerField(verbose_name="new tickets")),
                ("resolved", models.PositiveIntegerField(verbose_name="resolved")),
                (
                    "backlog",
                    models.PositiveIntegerField(
                        help_text="Open at the end of the day.", verbose_name="backlog"
                    ),
                ),
            ],
            options={
                "verbose_name": "ticket total day",
                "verbose_name_plural": "ticket total days",
                "ordering": ["day"],
            },
        ),
        migrations.RunPython(fill_summarised_days, migrations.RunPython.noop, elidable=True),
    ]
