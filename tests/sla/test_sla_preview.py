"""``manage.py sla_preview`` against the default tiers seeded by sla/migrations/0002.

Vendor business hours: Europe/Budapest, Monday to Friday 09:00-17:00, Hungarian public
holidays (2026-12-24, -25 and -26 among them); the 24x7 calendar is in Europe/Budapest too,
which is UTC+1 in November. Tuesday 2026-11-24 10:00 is inside business hours, Saturday
2026-11-28 03:00 is not. Budapest leaves summer time on 2026-10-25 at 03:00 CEST (01:00 UTC).
"""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from sla.management.commands.sla_preview import Command
from sla.models import SLAPolicy

pytestmark = pytest.mark.django_db

TUESDAY_10 = "2026-11-24T10:00:00+01:00"
SATURDAY_03 = "2026-11-28T03:00:00+01:00"


def preview(*args: str) -> dict:
    out = StringIO()
    call_command("sla_preview", *args, stdout=out)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1, "the command prints exactly one JSON object"
    return json.loads(lines[0])


def run_command_line(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run the command as ``manage.py`` would (argument parsing, error printing, exit code)
    in this process, so that it reads the test database."""
    # run_from_argv closes every connection when done, which would end the test transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    code = 0
    try:
        Command().run_from_argv(["manage.py", "sla_preview", *args])
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# Opened Tuesday 10:00, inside business hours: no after-hours triage.
# Next business day = Wed 25 17:00; 2 business days = Thu 26 17:00; 1 week = Tue 1 Dec 17:00;
# 1 month = Thu 24 Dec, Christmas Eve, then Christmas and a weekend: Mon 28 Dec 17:00.
BUSINESS_HOURS_TIERS = {
    "S1": {
        "first_response": "2026-11-25T17:00:00+01:00",
        "update": "2026-11-25T17:00:00+01:00",
    },
    "S2": {
        "first_response": "2026-11-26T17:00:00+01:00",
        "update": "2026-12-01T17:00:00+01:00",
    },
    "S3": {
        "first_response": "2026-12-01T17:00:00+01:00",
        "update": "2026-12-28T17:00:00+01:00",
    },
}
# S1 runs on the 24x7 calendar: 2 hours of wall-clock time.
AROUND_THE_CLOCK_TIERS = {
    "S1": {
        "first_response": "2026-11-24T12:00:00+01:00",
        "update": "2026-11-24T12:00:00+01:00",
    },
    "S2": {
        "first_response": "2026-11-25T17:00:00+01:00",
        "update": "2026-11-25T17:00:00+01:00",
    },
    "S3": {
        "first_response": "2026-11-25T17:00:00+01:00",
        "update": "2026-12-01T17:00:00+01:00",
    },
}
EXPECTED = {
    "base": BUSINESS_HOURS_TIERS,
    "standard": BUSINESS_HOURS_TIERS,
    "privilege": AROUND_THE_CLOCK_TIERS,
    "24x7": AROUND_THE_CLOCK_TIERS,
}


@pytest.mark.parametrize("severity", ["S1", "S2", "S3"])
@pytest.mark.parametrize("tier", ["base", "standard", "privilege", "24x7"])
def test_every_default_tier_and_severity_gives_the_hand_computed_deadlines(tier, severity):
    result = preview("--tier", tier, "--severity", severity, "--opened", TUESDAY_10)
    assert result == {
        "tier": tier,
        "severity": severity,
        "opened": TUESDAY_10,
        "targets": EXPECTED[tier][severity],
    }


@pytest.mark.parametrize(
    ("tier", "first_response"),
    [
        # Next business day after a Saturday is Monday.
        ("standard", "2026-11-30T17:00:00+01:00"),
        ("privilege", "2026-11-28T05:00:00+01:00"),
    ],
)
def test_critical_ticket_opened_after_hours_is_triaged_within_15_minutes(tier, first_response):
    targets = preview("--tier", tier, "--severity", "S1", "--opened", SATURDAY_03)["targets"]
    assert targets == {
        "triage": "2026-11-28T03:15:00+01:00",
        "first_response": first_response,
        "update": first_response,
    }


def test_after_hours_triage_starts_at_closing_time_but_not_at_opening_time():
    at_close = preview("--tier", "base", "--severity", "S1", "--opened", "2026-11-24T17:00+01:00")
    assert at_close["targets"]["triage"] == "2026-11-24T17:15:00+01:00"
    at_open = preview("--tier", "base", "--severity", "S1", "--opened", "2026-11-24T09:00+01:00")
    assert "triage" not in at_open["targets"]


def test_only_critical_tickets_have_an_after_hours_triage():
    targets = preview("--tier", "privilege", "--severity", "S2", "--opened", SATURDAY_03)["targets"]
    assert "triage" not in targets


def test_replied_gives_the_next_update_one_cadence_after_the_reply():
    result = preview(
        "--tier", "privilege", "--severity", "S1", "--opened", TUESDAY_10,
        "--replied", "2026-11-24T11:30:00+01:00",
    )  # fmt: skip
    assert result["targets"] == {
        "first_response": "2026-11-24T12:00:00+01:00",
        "update": "2026-11-24T13:30:00+01:00",
    }
    # Weekly updates after a reply on Wednesday: the Wednesday after, at close of business.
    result = preview(
        "--tier", "standard", "--severity", "S2", "--opened", TUESDAY_10,
        "--replied", "2026-11-25T16:00:00+01:00",
    )  # fmt: skip
    assert result["targets"]["update"] == "2026-12-02T17:00:00+01:00"


def test_utc_input_with_z_is_accepted_and_deadlines_use_the_calendars_offset():
    result = preview("--tier", "Privilege", "--severity", "s1", "--opened", "2026-11-24T09:00:00Z")
    assert result["tier"] == "privilege"
    assert result["severity"] == "S1"
    assert result["opened"] == "2026-11-24T09:00:00+00:00"
    assert result["targets"]["first_response"] == "2026-11-24T12:00:00+01:00"


def test_deadlines_across_the_end_of_summer_time_carry_each_instants_own_offset():
    # Sunday 01:30 CEST: the triage is still in summer time, 2 hours later it is winter time.
    targets = preview(
        "--tier", "24x7", "--severity", "S1", "--opened", "2026-10-25T01:30:00+02:00"
    )["targets"]
    assert targets["triage"] == "2026-10-25T01:45:00+02:00"
    assert targets["first_response"] == "2026-10-25T02:30:00+01:00"


def test_tier_name_matches_case_insensitively():
    assert preview("--tier", "STANDARD", "--severity", "S3", "--opened", TUESDAY_10)["tier"] == (
        "standard"
    )


def test_tier_without_a_policy_for_the_severity_has_no_targets_and_says_why():
    SLAPolicy.objects.filter(tier__slug="base", severity="S2").delete()
    result = preview("--tier", "base", "--severity", "S2", "--opened", TUESDAY_10)
    assert result["targets"] == {}
    assert result["note"] == "The Base tier has no S2 policy: such tickets carry no SLA targets."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--tier", "gold", "--severity", "S1", "--opened", TUESDAY_10],
            "error: unknown tier 'gold': use one of base, standard, privilege, 24x7",
        ),
        (
            ["--tier", "base", "--severity", "S4", "--opened", TUESDAY_10],
            "error: unknown severity 'S4': use S1, S2 or S3",
        ),
        (
            ["--tier", "base", "--severity", "S1", "--opened", "next tuesday"],
            "error: --opened is not an ISO 8601 time: 'next tuesday', "
            "e.g. 2026-11-24T10:00:00+01:00",
        ),
        (
            ["--tier", "base", "--severity", "S1", "--opened", "2026-11-24T10:00:00"],
            "error: --opened needs a UTC offset, e.g. 2026-11-24T10:00:00+01:00",
        ),
        (
            ["--tier", "base", "--severity", "S1", "--opened", TUESDAY_10,
             "--replied", "2026-11-24T09:59:00+01:00"],
            "error: --replied is before --opened",
        ),
    ],
)  # fmt: skip
def test_bad_input_prints_one_error_line_and_exits_2(monkeypatch, capsys, args, message):
    code, out, err = run_command_line(monkeypatch, capsys, *args)
    assert (code, out, err) == (2, "", message + "\n")
    with pytest.raises(CommandError) as error:
        call_command("sla_preview", *args, stdout=StringIO())
    assert (str(error.value), error.value.returncode) == (message, 2)


def test_missing_option_is_an_argparse_error_with_exit_2(monkeypatch, capsys):
    code, out, err = run_command_line(monkeypatch, capsys, "--tier", "base")
    assert code == 2
    assert "the following arguments are required: --severity, --opened" in err


def test_manage_py_prints_the_json_and_exits_2_with_one_line_on_bad_input():
    """The real command line, in a child process reading the test database's seed data."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    manage = [sys.executable, str(Path(__file__).parents[2] / "manage.py"), "sla_preview"]
    ok = subprocess.run(
        [*manage, "--tier", "privilege", "--severity", "S1", "--opened", TUESDAY_10],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert (ok.returncode, ok.stderr) == (0, "")
    assert json.loads(ok.stdout)["targets"]["first_response"] == "2026-11-24T12:00:00+01:00"
    naive = subprocess.run(
        [*manage, "--tier", "privilege", "--severity", "S1", "--opened", "2026-11-24T10:00"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert (naive.returncode, naive.stdout) == (2, "")
    assert naive.stderr == ("error: --opened needs a UTC offset, e.g. 2026-11-24T10:00:00+01:00\n")
