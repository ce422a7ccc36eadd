"""The demo's data for the tests that read it, seeded once per run.

``seed_demo`` replays months of SLA-timed history: 15 to 45 seconds of a test process's
time. The tests that only read the demo (the README's screenshots, the dashboard in the
browser, the API's curl examples) take it from a copy instead: the first of them, in
whichever test process, seeds it and copies every table the seeding filled with
PostgreSQL's binary ``COPY``; the others load those rows back (well under a second) and
move each table's id sequence past them. The demo's own tests
(tests/accounts/test_seed_demo.py) still run the command itself.

The copy holds every table the seeding left rows in (the support tiers and policies
of sla's data migration too, which a transactional test's flush empties and the seeding
puts back), but the content types and permissions, which Django puts back after every
flush with new ids: loading it replaces those tables' rows. When the seeding changed
these, or on another database, every test seeds.
"""

from __future__ import annotations

import fcntl
import io
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction


def _tables() -> list[str]:
    return connection.introspection.django_table_names(only_existing=True, include_views=False)


def _row_counts(tables: list[str]) -> dict[str, int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            # Django's own table names, quoted: no input of anyone's.
            " UNION ALL ".join(f"SELECT count(*) FROM {quote(table)}" for table in tables)  # noqa: S608
        )
        return dict(zip(tables, (count for (count,) in cursor.fetchall()), strict=True))


def _copied(tables: list[str]) -> dict[str, bytes]:
    quote = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            buffer = io.BytesIO()
            with cursor.copy(f"COPY {quote(table)} TO STDOUT (FORMAT BINARY)") as copy:
                for data in copy:
                    buffer.write(data)
            rows[table] = buffer.getvalue()
    return rows


def _django_own() -> set[str]:
    """The tables Django fills again after every flush, with new ids."""
    return {ContentType._meta.db_table, Permission._meta.db_table}


def _seed_and_copy() -> dict[str, bytes] | None:
    """Seeds the demo; its rows, table by table, or None when they cannot be copied."""
    tables = _tables()
    own = _django_own()
    before = _row_counts(tables)
    call_command("seed_demo", stdout=io.StringIO())
    after = _row_counts(tables)
    if any(after[table] != before[table] for table in own if table in tables):
        return None
    return _copied([table for table in tables if after[table] and table not in own])


def _load(rows: dict[str, bytes]) -> None:
    """The copied rows in place of their tables' rows, and each id sequence past them."""
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        # Every foreign key is checked at commit (DEFERRABLE INITIALLY DEFERRED).
        for table in rows:
            cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 - Django's tables
        for table, data in rows.items():
            with cursor.copy(f"COPY {quote(table)} FROM STDIN (FORMAT BINARY)") as copy:
                copy.write(data)
        models = [
            model
            for model in apps.get_models(include_auto_created=True)
            if model._meta.db_table in rows
        ]
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    # Figures cached from an earlier test's data (the live revision, the dashboard's) are
    # not this data's: the seeding itself would have marked them stale.
    cache.clear()


def _run_folder(tmp_path_factory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture
def seeded_demo(tmp_path_factory) -> None:
    """The demo's data, in the database of the test that asks for it (its ``db`` or
    ``transactional_db`` comes first). Seeded by the run's first such test, loaded from
    its copy (a file per table) by the others."""
    if connection.vendor != "postgresql":
        call_command("seed_demo", stdout=io.StringIO())
        return
    run = _run_folder(tmp_path_factory)
    folder = run / "demo-data"
    with (run / "demo-data.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not folder.exists():
            rows = _seed_and_copy()
            folder.mkdir()
            for table, data in (rows or {}).items():
                (folder / f"{table}.copy").write_bytes(data)
            (folder / ("copied" if rows is not None else "not-copied")).touch()
            return
    if not (folder / "copied").exists():
        call_command("seed_demo", stdout=io.StringIO())
        return
    _load({path.stem: path.read_bytes() for path in sorted(folder.glob("*.copy"))})
