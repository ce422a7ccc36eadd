"""Calls of a service at the same moment, each in a real process on the test database.

``race`` starts one Python process per argument list, each running ``script`` (which
prints one JSON line), while a third connection holds rows with ``SELECT ... FOR
UPDATE``; once PostgreSQL shows every process waiting on a lock, it lets go, so they all
enter the service's critical section together. It fails on any process that errs, and
returns what each printed, in order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from tests.notifications.conftest import worker_database_url

ROOT = Path(__file__).resolve().parents[1]


def _waiting_for_locks(connection) -> int:
    row = connection.execute(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ).fetchone()
    return row[0]


def _until_waiting(observer, processes: list[subprocess.Popen]) -> None:
    """Until every process started waits on a lock (each fails the test if it ends)."""
    deadline = time.monotonic() + 120
    while _waiting_for_locks(observer) < len(processes):
        assert time.monotonic() < deadline, "the processes never waited together"
        assert all(p.poll() is None for p in processes), [p.communicate() for p in processes]
        time.sleep(0.05)


def race(
    script: str,
    argument_lists: list[list[str]],
    *,
    hold: str,
    params: list,
    one_by_one: bool = False,
) -> list[dict]:
    """``one_by_one`` starts each process once the one before waits on a lock, so that
    they queue for the held rows in the order given."""
    environment = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    with psycopg.connect(worker_database_url()) as blocker:
        blocker.execute(hold, params)
        with psycopg.connect(worker_database_url(), autocommit=True) as observer:
            processes: list[subprocess.Popen] = []
            for arguments in argument_lists:
                processes.append(
                    subprocess.Popen(  # noqa: S603 - this interpreter, our own script
                        [sys.executable, "-c", script, *arguments],
                        cwd=ROOT,
                        env=environment,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        text=True,
                    )
                )
                if one_by_one:
                    _until_waiting(observer, processes)
            _until_waiting(observer, processes)
        blocker.commit()
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert "Traceback" not in err, err
        outcomes.append(json.loads(out.strip().splitlines()[-1]))
    return outcomes
