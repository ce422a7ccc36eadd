"""The demo's knowledge base and release notes."""

import io

import pytest

from knowledge import demo
from knowledge.models import Article, Category, ReleaseKind, ReleaseNote, Visibility
from sla import demo as sla_demo
from tests import factories

pytestmark = pytest.mark.django_db


def test_demo_has_articles_in_three_categories_one_for_chosen_tiers_and_three_notes(personas):
    for code in ("INIT", "UMBR", "WAYN"):  # ACME and GLBX are personas
        factories.OrganizationFactory(code=code, name=f"{code} Ltd")
    sla_demo.seed(io.StringIO())

    demo.seed(io.StringIO())
    demo.seed(io.StringIO())  # a second run changes nothing

    assert Category.objects.count() == 3
    assert 6 <= Article.objects.filter(is_published=True).count() <= 10
    restricted = Article.objects.get(visibility=Visibility.TIERS)
    assert set(restricted.tiers.values_list("slug", flat=True)) == {"privilege", "24x7"}
    notes = {note.kind: note for note in ReleaseNote.objects.all()}
    assert set(notes) == {ReleaseKind.UPGRADE, ReleaseKind.HOTFIX, ReleaseKind.MAINTENANCE}
    assert all(note.is_published for note in notes.values())
    assert notes[ReleaseKind.MAINTENANCE].is_upcoming
    assert notes[ReleaseKind.UPGRADE].products.get().name == "Ledgerline ERP"
