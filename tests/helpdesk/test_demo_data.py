"""The demo's copy for the tests that read it (tests/demo_data.py) loads exactly the rows
the seeding wrote, and the next row of each table gets a new id."""

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from accounts.models import Organization
from sla.models import SLAClock, SupportTier
from tests import demo_data, factories
from tests.demo_data import seeded_demo  # noqa: F401 - a fixture
from tickets.models import Reply, Ticket

pytestmark = pytest.mark.django_db


def _rows(tables: list[str]) -> dict[str, list[str]]:
    """Each table's rows as text, in order."""
    quote = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT t::text FROM {quote(table)} AS t ORDER BY 1")  # noqa: S608
            rows[table] = [row for (row,) in cursor.fetchall()]
    return rows


def test_the_demo_loaded_from_its_copy_is_the_seeded_demo_row_for_row(
    seeded_demo,  # noqa: F811
    tmp_path_factory,
):
    folder = demo_data._run_folder(tmp_path_factory) / "demo-data"
    assert (folder / "copied").exists()
    copied = {path.stem: path.read_bytes() for path in folder.glob("*.copy")}
    assert {model._meta.db_table for model in (Ticket, Reply, SLAClock, SupportTier)} <= set(copied)
    # Loaded again from the copy, every table holds the same rows as before, whichever
    # way this test got the demo first (seeded, or loaded by another test).
    before = _rows(list(copied))
    demo_data._load(copied)
    assert _rows(list(copied)) == before
    with scopes_disabled():
        newest = Organization.objects.order_by("-pk").first()
        assert factories.OrganizationFactory(code="NEWORG").pk > newest.pk
