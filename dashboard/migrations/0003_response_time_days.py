import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import migrations, models
from django.db.models import Count


def fill_summarised_days(apps, schema_editor):
    """The first-response histograms of the days already summarised, as
    dashboard.services.summary_refresh stores them, so that no period's median goes
    missing until the next dashboard_summaries run."""
    summary_day = apps.get_model("dashboard", "SummaryDay")
    response_time_day = apps.get_model("dashboard", "ResponseTimeDay")
    clock = apps.get_model("sla", "SLAClock")
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)

    def start(day):
        return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)

    for day in summary_day.objects.values_list("day", flat=True).order_by("day"):
        rows = (
            clock.objects.filter(
                kind="first_response",
                elapsed_open_minutes__isnull=False,
                met_at__gte=start(day),
                met_at__lt=start(day + dt.timedelta(days=1)),
            )
            .values("severity", "elapsed_open_minutes")
            .annotate(responses=Count("elapsed_open_minutes"))
            .order_by()
        )
        response_time_day.objects.bulk_create(
            response_time_day(
                day=day,
                severity=row["severity"],
                minutes=row["elapsed_open_minutes"],
                responses=row["responses"],
            )
            for row in rows
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0002_verbose_names"),
        ("sla", "0012_verbose_names"),
    ]

    operations = [
        migrations.CreateModel(
            name="ResponseTimeDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(verbose_name="day")),
                (
                    "severity",
                    models.CharField(
                        blank=True,
                        choices=[("S1", "S1 critical"), ("S2", "S2 major"), ("S3", "S3 minor")],
                        max_length=2,
                        verbose_name="severity",
                    ),
                ),
                ("minutes", models.PositiveIntegerField(verbose_name="open minutes")),
                ("responses", models.PositiveIntegerField(verbose_name="first responses")),
            ],
            options={
                "verbose_name": "response time day",
                "verbose_name_plural": "response time days",
                "ordering": ["day", "severity", "minutes"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "severity", "minutes"), name="response_time_day_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(fill_summarised_days, migrations.RunPython.noop, elidable=True),
    ]
