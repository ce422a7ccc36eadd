import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sla.models import Contract, SupportTier
from sla.selectors import contract_in_force, has_valid_contract

pytestmark = pytest.mark.django_db


def _contract(organization, start, end, key):
    contract = Contract(
        organization=organization,
        tier=SupportTier.objects.get(slug="standard"),
        valid_from=start,
        valid_to=end,
        licence_key=key,
    )
    contract.full_clean()
    contract.save()
    return contract


def test_default_tiers_are_seeded():
    assert list(SupportTier.objects.values_list("slug", flat=True)) == [
        "base",
        "standard",
        "privilege",
        "24x7",
    ]


def test_overlapping_contracts_are_refused_with_a_clear_message(personas):
    _contract(personas.org_a, dt.date(2026, 1, 1), dt.date(2026, 12, 31), "K1")
    with pytest.raises(ValidationError) as error:
        _contract(personas.org_a, dt.date(2026, 12, 1), dt.date(2027, 11, 30), "K2")
    assert "already has a contract in force from 1 Jan 2026 to 31 Dec 2026" in str(error.value)
    # Back to back is fine; another organisation is unaffected.
    _contract(personas.org_a, dt.date(2027, 1, 1), dt.date(2027, 12, 31), "K3")
    _contract(personas.org_b, dt.date(2026, 6, 1), dt.date(2027, 5, 31), "K4")


def test_contract_ending_before_it_starts_is_refused(personas):
    with pytest.raises(ValidationError, match="cannot end before it starts"):
        _contract(personas.org_a, dt.date(2026, 5, 1), dt.date(2026, 4, 1), "K5")


def test_contract_in_force_is_one_query(personas, django_assert_num_queries):
    contract = _contract(personas.org_a, dt.date(2026, 1, 1), dt.date(2026, 12, 31), "K6")
    with django_assert_num_queries(1):
        found = contract_in_force(organization=personas.org_a, on=dt.date(2026, 7, 1))
        assert found.tier.slug == "standard"
    assert found == contract
    assert not has_valid_contract(organization=personas.org_a, on=dt.date(2027, 1, 1))
    assert not has_valid_contract(organization=personas.org_b, on=dt.date(2026, 7, 1))
