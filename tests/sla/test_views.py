"""The customer's "Your support contract" page, and the words it uses for SLA targets."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sla.models import (
    BusinessCalendar,
    Contract,
    Product,
    ProductVersion,
    SLATarget,
    SupportTier,
)
from sla.preview import describe_policy, describe_target
from sla.selectors import policies_for_tier

pytestmark = pytest.mark.django_db

URL = "/portal/contract/"
# Tuesday 24 November 2026, mid-morning in Budapest.
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Budapest"))


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


def make_contract(organization, *, tier="privilege", valid_from, valid_to, key, **fields):
    return Contract.objects.create(
        organization=organization,
        tier=SupportTier.objects.get(slug=tier),
        valid_from=valid_from,
        valid_to=valid_to,
        licence_key=key,
        **fields,
    )


@pytest.fixture
def acme_contract(personas):
    contract = make_contract(
        personas.org_a,
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 12, 31),
        key="LL-ACME-202601-PRIVILEGE",
        channel_phone=True,
    )
    erp = Product.objects.create(name="Ledgerline ERP")
    payroll = Product.objects.create(name="Ledgerline Payroll")
    versions = [
        ProductVersion.objects.create(product=erp, version="8.0", released_on=dt.date(2025, 6, 1)),
        ProductVersion.objects.create(product=erp, version="8.1", released_on=dt.date(2026, 6, 1)),
        ProductVersion.objects.create(product=payroll, version="4.0"),
    ]
    contract.covered_versions.set(versions)
    return contract


# --- the page ------------------------------------------------------------------------------


def test_customer_sees_tier_validity_licence_channels_products_hours_and_targets(
    client, personas, acme_contract
):
    client.force_login(personas.admin_a)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Privilege support for Acme Manufacturing" in body
    assert "1 Jan 2026 – 31 Dec 2026" in body
    assert "expires in 37 days" in body
    assert "LL-ACME-202601-PRIVILEGE" in body
    assert "Portal, Email, Phone" in body
    # Grouped by product, newest version first.
    assert '<th scope="row" class="fw-normal">Ledgerline ERP</th><td>8.1, 8.0</td>' in body
    assert '<th scope="row" class="fw-normal">Ledgerline Payroll</th><td>4.0</td>' in body
    assert "Monday to Friday 09:00–17:00 (Europe/Budapest), closed on public holidays (HU)." in body
    assert '<h3 class="h6 fw-semibold mb-1">Critical (S1)</h3>' in body
    assert (
        "First response within 2 hours, around the clock; updates every 2 hours until a "
        "workaround is provided; triage within 15 minutes, around the clock, when logged "
        "outside business hours." in body
    )
    assert "Enhancement requests are not faults: they carry no response target" in body
    assert 'aria-current="page" href="/portal/contract/">Support contract</a>' in body


def test_plain_customer_user_sees_the_contract_too(client, personas, acme_contract):
    client.force_login(personas.user_a)
    response = client.get(URL)
    assert response.status_code == 200
    assert "LL-ACME-202601-PRIVILEGE" in response.content.decode()


def test_expiry_notice_appears_59_days_before_the_last_day_but_not_60(client, personas):
    contract = make_contract(
        personas.org_a, valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2027, 1, 23), key="K1"
    )
    client.force_login(personas.admin_a)
    body = client.get(URL).content.decode()
    assert "23 Jan 2027" in body
    assert "expires in" not in body

    Contract.objects.filter(pk=contract.pk).update(valid_to=dt.date(2027, 1, 22))
    assert "expires in 59 days" in client.get(URL).content.decode()


def test_contract_on_its_last_day_expires_at_the_end_of_today(client, personas):
    make_contract(
        personas.org_a, valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 11, 24), key="K2"
    )
    client.force_login(personas.admin_a)
    assert "expires at the end of today" in client.get(URL).content.decode()


def test_contract_page_runs_a_fixed_number_of_queries(
    client, personas, acme_contract, django_assert_num_queries
):
    client.force_login(personas.admin_a)
    # Session; the user with membership and organisation; contract; policies, targets;
    # opening hours of every calendar at once; covered versions with their products.
    with django_assert_num_queries(7):
        assert client.get(URL).status_code == 200


def test_organisation_without_a_contract_sees_the_no_contract_panel_with_the_last_end_date(
    client, personas
):
    make_contract(
        personas.org_a, valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2024, 12, 31), key="K3"
    )
    make_contract(
        personas.org_a, valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2025, 10, 31), key="K4"
    )
    client.force_login(personas.admin_a)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme Manufacturing has no valid support contract" in body
    assert "You can still log tickets and we will answer them, but they carry no response" in body
    assert "Your last contract ended on 31 October 2025." in body
    assert "Response targets" not in body


def test_organisation_that_never_had_a_contract_gets_no_end_date(client, personas):
    client.force_login(personas.admin_a)
    body = client.get(URL).content.decode()
    assert "has no valid support contract" in body
    assert "Your last contract" not in body


def test_customer_never_sees_another_organisations_contract(client, personas):
    make_contract(
        personas.org_b, valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 12, 31), key="GLBX-1"
    )
    make_contract(
        personas.org_b, valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2025, 9, 30), key="GLBX-0"
    )
    client.force_login(personas.admin_a)
    body = client.get(URL).content.decode()
    assert "Acme Manufacturing has no valid support contract" in body
    assert "GLBX-1" not in body
    assert "30 September 2025" not in body


@pytest.mark.parametrize("role", ["agent", "manager", "administrator"])
def test_vendor_staff_get_403_on_the_contract_page(client, personas, role):
    client.force_login(getattr(personas, role))
    assert client.get(URL).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/portal/contract/"


def test_support_contract_is_in_the_menu_for_customers_only(client, personas):
    client.force_login(personas.user_a)
    assert 'href="/portal/contract/"' in client.get("/portal/").content.decode()
    client.force_login(personas.agent)
    assert 'href="/portal/contract/"' not in client.get("/portal/").content.decode()


# --- the sentences -------------------------------------------------------------------------

AFTER_HOURS_TRIAGE = (
    "triage within 15 minutes, around the clock, when logged outside business hours"
)
BUSINESS_HOURS_SENTENCES = [
    "Critical (S1): first response by the next business day; updates once a business day "
    f"until a workaround is provided; {AFTER_HOURS_TRIAGE}",
    "Major (S2): first response within 2 business days; updates weekly",
    "Minor (S3): first response within 1 week; updates monthly",
]
AROUND_THE_CLOCK_SENTENCES = [
    "Critical (S1): first response within 2 hours, around the clock; updates every 2 hours "
    f"until a workaround is provided; {AFTER_HOURS_TRIAGE}",
    "Major (S2): first response by the next business day; updates once a business day",
    "Minor (S3): first response by the next business day; updates weekly",
]


@pytest.mark.parametrize(
    ("tier", "sentences"),
    [
        ("base", BUSINESS_HOURS_SENTENCES),
        ("standard", BUSINESS_HOURS_SENTENCES),
        ("privilege", AROUND_THE_CLOCK_SENTENCES),
        ("24x7", AROUND_THE_CLOCK_SENTENCES),
    ],
)
def test_default_tiers_read_as_the_design_table(tier, sentences):
    policies = policies_for_tier(tier_id=SupportTier.objects.get(slug=tier).pk)
    assert [str(describe_policy(policy)) for policy in policies] == sentences


def test_policy_without_targets_says_so():
    tier = SupportTier.objects.get(slug="base")
    tier.policies.get(severity="S3").targets.all().delete()
    policy = policies_for_tier(tier_id=tier.pk)[2]
    assert str(describe_policy(policy)) == "Minor (S3): no response targets"


def test_targets_read_in_the_order_of_a_tickets_life():
    policy = SupportTier.objects.get(slug="standard").policies.get(severity="S2")
    vendor = BusinessCalendar.objects.get(name="Vendor business hours")
    for kind, amount, unit in [
        ("resolution", 3, "months"),
        ("workaround", 2, "weeks"),
        ("triage", 1, "hours"),
    ]:
        SLATarget.objects.create(
            policy=policy, kind=kind, amount=amount, unit=unit, calendar=vendor
        )
    assert describe_policy(policy).text == (
        "triage within 1 business hour; first response within 2 business days; updates weekly; "
        "workaround within 2 weeks; resolution within 3 months"
    )


BUSINESS = BusinessCalendar(name="Office", timezone="Europe/Budapest")
ALWAYS = BusinessCalendar(name="24x7", timezone="Europe/Budapest", always_open=True)


def target(kind, amount, unit, calendar=BUSINESS, **fields) -> SLATarget:
    return SLATarget(kind=kind, amount=amount, unit=unit, calendar=calendar, **fields)


@pytest.mark.parametrize(
    ("amount", "unit", "calendar", "words"),
    [
        (15, "minutes", ALWAYS, "within 15 minutes, around the clock"),
        (30, "minutes", BUSINESS, "within 30 minutes during business hours"),
        (1, "hours", ALWAYS, "within 1 hour, around the clock"),
        (4, "hours", BUSINESS, "within 4 business hours"),
        (1, "business_days", BUSINESS, "by the next business day"),
        (3, "business_days", BUSINESS, "within 3 business days"),
        (1, "business_days", ALWAYS, "by the end of the next day"),
        (2, "business_days", ALWAYS, "within 2 days"),
        (1, "weeks", BUSINESS, "within 1 week"),
        (2, "weeks", BUSINESS, "within 2 weeks"),
        (1, "months", BUSINESS, "within 1 month"),
        (2, "months", BUSINESS, "within 2 months"),
    ],
)
def test_response_target_in_words(amount, unit, calendar, words):
    first_response = target("first_response", amount, unit, calendar)
    assert describe_target(first_response) == f"first response {words}"


@pytest.mark.parametrize(
    ("amount", "unit", "calendar", "words"),
    [
        (2, "hours", ALWAYS, "every 2 hours"),
        (1, "hours", ALWAYS, "every hour"),
        (1, "hours", BUSINESS, "every business hour"),
        (4, "hours", BUSINESS, "every 4 business hours"),
        (30, "minutes", ALWAYS, "every 30 minutes"),
        (30, "minutes", BUSINESS, "every 30 minutes during business hours"),
        (1, "minutes", BUSINESS, "every minute during business hours"),
        (1, "business_days", BUSINESS, "once a business day"),
        (2, "business_days", BUSINESS, "every 2 business days"),
        (1, "business_days", ALWAYS, "once a day"),
        (1, "weeks", BUSINESS, "weekly"),
        (2, "weeks", BUSINESS, "every 2 weeks"),
        (1, "months", BUSINESS, "monthly"),
        (3, "months", BUSINESS, "every 3 months"),
    ],
)
def test_update_cadence_in_words(amount, unit, calendar, words):
    assert describe_target(target("update", amount, unit, calendar)) == f"updates {words}"


def test_updates_until_a_workaround_say_so():
    update = target("update", 2, "hours", ALWAYS, until_workaround=True)
    assert describe_target(update) == "updates every 2 hours until a workaround is provided"


def test_after_hours_target_names_its_condition():
    triage = target("triage", 15, "minutes", ALWAYS, only_outside=BUSINESS)
    assert describe_target(triage) == AFTER_HOURS_TRIAGE
    # A day-based after-hours target needs no comma before the condition.
    response = target("first_response", 1, "business_days", BUSINESS, only_outside=BUSINESS)
    assert describe_target(response) == (
        "first response by the next business day when logged outside business hours"
    )
