import pytest
from django.core import mail

from knowledge.models import ReleaseNote
from knowledge.services import release_note_publish
from sla.models import Product
from tests.notifications.conftest import sent_to

pytestmark = pytest.mark.django_db


def _note(**fields) -> ReleaseNote:
    return ReleaseNote.objects.create(
        title="Ledgerline ERP 8.1.3 hotfix",
        slug=fields.pop("slug", "erp-8-1-3"),
        kind="hotfix",
        body="Fixes invoice posting after batch imports.",
        **fields,
    )


def test_customer_administrators_get_a_published_release_note_once(personas, contracts, deliver):
    note = _note()
    note.products.add(contracts["version"].product)
    with deliver():
        release_note_publish(personas.agent, release_note=note)
    with deliver():
        release_note_publish(personas.agent, release_note=note)  # already published
    for admin in (personas.admin_a, personas.admin_b):
        messages = sent_to(admin.email)
        assert len(messages) == 1
        assert messages[0].subject == "Hotfix: Ledgerline ERP 8.1.3 hotfix"
        assert "Fixes invoice posting" in messages[0].body
    # Plain customer users and staff read release notes in the portal, not by email.
    assert not sent_to(personas.user_a.email)
    assert not sent_to(personas.agent.email)


def test_a_release_note_for_an_uncovered_product_mails_no_one(personas, contracts, deliver):
    note = _note(slug="payroll-4-1")
    note.products.add(Product.objects.create(name="Ledgerline Payroll"))
    with deliver():
        release_note_publish(personas.agent, release_note=note)
    assert mail.outbox == []
