"""Print the SLA deadlines a tier would set for a ticket opened at a given time."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from sla.models import Severity, SLATarget, SupportTier
from sla.preview import preview_targets

EXAMPLE = "2026-11-24T10:00:00+01:00"


class Command(BaseCommand):
    help = (
        "Print, as one JSON object, the deadlines that a support tier's policy sets for a "
        "ticket of a severity opened at a time. Each deadline carries the UTC offset of its "
        "target's calendar. The update clock starts at the first public reply: without "
        "--replied the update is shown as due one cadence after --opened (as if the first "
        "reply came at once); with --replied it is the next update due after that reply. "
        "The after-hours triage is listed only when --opened falls outside business hours. "
        "Problems print one line starting with 'error: ' and exit with status 2."
    )
    # Read-only and run by hand: not worth the time of the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--tier", required=True, help="Tier slug or name, e.g. privilege.")
        parser.add_argument("--severity", required=True, help="S1, S2 or S3.")
        parser.add_argument(
            "--opened", required=True, help=f"When the ticket was opened, e.g. {EXAMPLE}."
        )
        parser.add_argument(
            "--replied", help="When the last public reply was sent (ISO 8601, with offset)."
        )

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            # Set by BaseCommand.run_from_argv, i.e. when run as manage.py, not call_command().
            if not getattr(self, "_called_from_command_line", False):
                raise
            # Django would print "CommandError: …"; a script wants the one plain line.
            self.stderr.write(str(error))
            raise SystemExit(error.returncode) from error

    def handle(self, *args, **options):
        severity = options["severity"].strip().upper()
        if severity not in Severity.values:
            raise _error(f"unknown severity {options['severity']!r}: use S1, S2 or S3")
        opened = _parse_time("--opened", options["opened"])
        replied = None
        if options["replied"] is not None:
            replied = _parse_time("--replied", options["replied"])
            if replied < opened:
                raise _error("--replied is before --opened")

        name = options["tier"].strip()
        tier = SupportTier.objects.filter(Q(slug__iexact=name) | Q(name__iexact=name)).first()
        if tier is None:
            known = ", ".join(SupportTier.objects.values_list("slug", flat=True))
            raise _error(f"unknown tier {name!r}: use one of {known}")

        # Calendars with their openings and dates, so that the preview itself does not query.
        targets = list(
            SLATarget.objects.filter(policy__tier=tier, policy__severity=severity)
            .select_related("calendar", "only_outside")
            .prefetch_related(
                "calendar__openings",
                "calendar__dates",
                "only_outside__openings",
                "only_outside__dates",
            )
        )
        result: dict[str, object] = {
            "tier": tier.slug,
            "severity": severity,
            "opened": opened.isoformat(),
        }
        if targets:
            deadlines = preview_targets(targets=targets, opened=opened, replied=replied)
            result["targets"] = {kind: due.isoformat() for kind, due in deadlines.items()}
        else:
            has_policy = tier.policies.filter(severity=severity).exists()
            result["targets"] = {}
            result["note"] = (
                f"The {tier.name} {severity} policy has no targets."
                if has_policy
                else f"The {tier.name} tier has no {severity} policy: such tickets carry no "
                "SLA targets."
            )
        self.stdout.write(json.dumps(result))


def _error(message: str) -> CommandError:
    return CommandError(f"error: {message}", returncode=2)


def _parse_time(option: str, value: str) -> dt.datetime:
    try:
        # Python 3.11 reads any ISO 8601 form, a trailing "Z" included.
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise _error(f"{option} is not an ISO 8601 time: {value!r}, e.g. {EXAMPLE}") from None
    if parsed.tzinfo is None:
        # A wall time without an offset is ambiguous: whose timezone, and which side of a
        # daylight-saving change? Refuse it rather than guess.
        raise _error(f"{option} needs a UTC offset, e.g. {EXAMPLE}")
    return parsed
