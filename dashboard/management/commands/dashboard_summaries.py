"""Fill the dashboard's daily summary tables for a range of days (safe to run again)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from dashboard import services as dashboard_services
from dashboard.models import (
    ComplianceDay,
    ResolutionTime,
    ResolutionTimeDay,
    ResponseTimeDay,
    SummaryDay,
    TicketDay,
    TicketTotalDay,
)


class Command(BaseCommand):
    help = (
        "Recompute the dashboard's daily summaries (compliance, intake, backlog, response "
        "and resolution times) for every "
        "day from --since (default: 400 days ago) to today, in the vendor's timezone. The "
        "beat task keeps today and yesterday current; run this after importing history."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="First day, YYYY-MM-DD.")

    def handle(self, *args, **options):
        today = dashboard_services.vendor_today()
        try:
            first = (
                dt.date.fromisoformat(options["since"])
                if options["since"]
                else today - dt.timedelta(days=400)
            )
        except ValueError as error:
            raise CommandError(f"--since: {error}") from error
        if first > today:
            raise CommandError("--since lies in the future.")
        count = dashboard_services.summaries_refresh(first=first, last=today)
        if connection.vendor == "postgresql":
            # A refill rewrites the tables wholesale: give the planner their new shape,
            # and mark their pages all-visible so the dashboard's sums read the covering
            # index alone, now rather than when autovacuum next gets round to it (until
            # then the planner guesses a handful of rows and plans the sums for that).
            # (Inside a transaction, as in the tests, VACUUM cannot run: ANALYZE only.)
            maintenance = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            with connection.cursor() as cursor:
                for model in (
                    ComplianceDay,
                    TicketDay,
                    TicketTotalDay,
                    SummaryDay,
                    ResolutionTime,
                    ResolutionTimeDay,
                    ResponseTimeDay,
                ):
                    table = connection.ops.quote_name(model._meta.db_table)
                    cursor.execute(f"{maintenance} {table}")
        self.stdout.write(f"Summarised {count} days, {first} to {today}.")
