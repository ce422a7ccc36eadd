"""The default tiers, calendars and SLA policies of the design (the Balasys tiers, plus
the OPS-COM after-hours critical triage). Administrators adjust them in the admin."""

import datetime as dt

from django.db import migrations

TIERS = [
    ("base", "Base", 10, "Business-hours support."),
    ("standard", "Standard", 20, "Business-hours support with phone access."),
    ("privilege", "Privilege", 30, "Critical issues handled around the clock."),
    ("24x7", "24x7", 40, "Around-the-clock support for critical issues."),
]

BUSINESS = [
    # severity, [(kind, amount, unit, calendar, until_workaround)]
    (
        "S1",
        [
            ("first_response", 1, "business_days", "vendor", False),
            ("update", 1, "business_days", "vendor", True),
        ],
    ),
    (
        "S2",
        [
            ("first_response", 2, "business_days", "vendor", False),
            ("update", 1, "weeks", "vendor", False),
        ],
    ),
    (
        "S3",
        [("first_response", 1, "weeks", "vendor", False), ("update", 1, "months", "vendor", False)],
    ),
]
AROUND_THE_CLOCK = [
    ("S1", [("first_response", 2, "hours", "24x7", False), ("update", 2, "hours", "24x7", True)]),
    (
        "S2",
        [
            ("first_response", 1, "business_days", "vendor", False),
            ("update", 1, "business_days", "vendor", False),
        ],
    ),
    (
        "S3",
        [
            ("first_response", 1, "business_days", "vendor", False),
            ("update", 1, "weeks", "vendor", False),
        ],
    ),
]
POLICIES = {
    "base": BUSINESS,
    "standard": BUSINESS,
    "privilege": AROUND_THE_CLOCK,
    "24x7": AROUND_THE_CLOCK,
}


def create_defaults(apps, schema_editor):
    SupportTier = apps.get_model("sla", "SupportTier")
    BusinessCalendar = apps.get_model("sla", "BusinessCalendar")
    OpeningHours = apps.get_model("sla", "OpeningHours")
    SLAPolicy = apps.get_model("sla", "SLAPolicy")
    SLATarget = apps.get_model("sla", "SLATarget")

    vendor, created = BusinessCalendar.objects.get_or_create(
        name="Vendor business hours",
        defaults={"timezone": "Europe/Budapest", "holiday_country": "HU"},
    )
    if created:
        for weekday in range(5):
            OpeningHours.objects.create(
                calendar=vendor, weekday=weekday, opens=dt.time(9), closes=dt.time(17)
            )
    always, _ = BusinessCalendar.objects.get_or_create(
        name="24x7", defaults={"timezone": "Europe/Budapest", "always_open": True}
    )
    calendars = {"vendor": vendor, "24x7": always}

    for slug, name, rank, description in TIERS:
        tier, _ = SupportTier.objects.get_or_create(
            slug=slug, defaults={"name": name, "rank": rank, "description": description}
        )
        for severity, targets in POLICIES[slug]:
            policy, _ = SLAPolicy.objects.get_or_create(tier=tier, severity=severity)
            for kind, amount, unit, calendar, until_workaround in targets:
                SLATarget.objects.get_or_create(
                    policy=policy,
                    kind=kind,
                    defaults={
                        "amount": amount,
                        "unit": unit,
                        "calendar": calendars[calendar],
                        "until_workaround": until_workaround,
                    },
                )
            if severity == "S1":
                # Critical issues after hours are triaged within 15 minutes by on-call staff.
                SLATarget.objects.get_or_create(
                    policy=policy,
                    kind="triage",
                    defaults={
                        "amount": 15,
                        "unit": "minutes",
                        "calendar": always,
                        "only_outside": vendor,
                    },
                )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
