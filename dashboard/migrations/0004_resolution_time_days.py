import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import migrations, models
from django.db.models import Count


def fill_summarised_days(apps, schema_editor):
    """The resolution-time histograms of the days already summarised, as
    dashboard.services.summary_refresh stores them, so that no period's median goes
    missing until the next dashboard_summaries run."""
    summary_day = apps.get_model("dashboard", "SummaryDay")
    resolution_time_day = apps.get_model("dashboard", "ResolutionTimeDay")
    resolution_time = apps.get_model("dashboard", "ResolutionTime")
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)

    def start(day):
        return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)

    for day in summary_day.objects.values_list("day", flat=True).order_by("day"):
        rows = (
            resolution_time.objects.filter(
                resolved_at__gte=start(day), resolved_at__lt=start(day + dt.timedelta(days=1))
            )
            .values("severity", "open_minutes")
            .annotate(resolutions=Count("open_minutes"))
            .order_by()
        )
        resolution_time_day.objects.bulk_create(
            resolution_time_day(
                day=day,
                severity=row["severity"],
                minutes=row["open_minutes"],
                resolutions=row["resolutions"],
            )
            for row in rows
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dashboard", "0003_response_time_days"),
    ]

    operations = [
        migrations.CreateModel(
            name="ResolutionTimeDay",
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
                ("resolutions", models.PositiveIntegerField(verbose_name="resolved tickets")),
            ],
            options={
                "verbose_name": "resolution time day",
                "verbose_name_plural": "resolution time days",
                "ordering": ["day", "severity", "minutes"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "severity", "minutes"), name="resolution_time_day_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(fill_summarised_days, migrations.RunPython.noop, elidable=True),
    ]
