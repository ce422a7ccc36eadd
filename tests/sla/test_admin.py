"""Calendar and policy validation in the Django admin, used as the administrator persona."""

import datetime as dt

import pytest

from sla.models import BusinessCalendar, SLAPolicy, SLATarget, SupportTier

pytestmark = pytest.mark.django_db

CALENDAR_ADD = "/admin/sla/businesscalendar/add/"
POLICY_ADD = "/admin/sla/slapolicy/add/"


def _formset(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data |= {f"{prefix}-{index}-{field}": value for field, value in row.items()}
    return data


def calendar_post(*openings: tuple[int, str, str], **fields) -> dict:
    """The add form of a calendar with opening hours as (weekday, opens, closes) rows."""
    data = {"name": "Night desk", "timezone": "Europe/Budapest", "holiday_country": "HU"}
    data |= fields
    data |= _formset(
        "openings",
        [
            {"weekday": str(day), "opens": opens, "closes": closes, "id": "", "calendar": ""}
            for day, opens, closes in openings
        ],
    )
    data |= _formset("dates", [])
    data["_save"] = "Save"
    return data


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas.administrator)
    return client


def test_calendar_add_page_has_the_inline_management_forms_the_tests_post(admin_client):
    body = admin_client.get(CALENDAR_ADD).content.decode()
    assert 'name="openings-TOTAL_FORMS"' in body
    assert 'name="dates-TOTAL_FORMS"' in body


def test_valid_calendar_is_saved_with_its_opening_hours(admin_client):
    response = admin_client.post(
        CALENDAR_ADD,
        calendar_post((0, "22:00", "00:00"), (1, "00:00", "06:00"), (1, "22:00", "00:00")),
    )
    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get(name="Night desk")
    assert calendar.describe_hours() == (
        "Monday 22:00–24:00; Tuesday 00:00–06:00, 22:00–24:00 (Europe/Budapest)"
    )


def test_calendar_with_overlapping_opening_ranges_is_redisplayed_and_not_saved(admin_client):
    response = admin_client.post(
        CALENDAR_ADD, calendar_post((0, "09:00", "12:00"), (0, "11:00", "17:00"))
    )
    assert response.status_code == 200
    assert "Monday: opening ranges 09:00-12:00 and 11:00-17:00 overlap." in (
        response.content.decode()
    )
    assert not BusinessCalendar.objects.filter(name="Night desk").exists()


def test_opening_range_that_ends_before_it_starts_is_refused(admin_client):
    response = admin_client.post(CALENDAR_ADD, calendar_post((2, "17:00", "09:00")))
    assert response.status_code == 200
    assert "Wednesday: opening range 17:00-09:00 ends before it starts." in (
        response.content.decode()
    )
    assert not BusinessCalendar.objects.filter(name="Night desk").exists()


def test_calendar_in_an_unknown_timezone_is_refused(admin_client):
    response = admin_client.post(
        CALENDAR_ADD, calendar_post((0, "09:00", "17:00"), timezone="Europe/Atlantis")
    )
    assert response.status_code == 200
    assert "“Europe/Atlantis” is not a known time zone." in response.content.decode()
    assert not BusinessCalendar.objects.filter(name="Night desk").exists()


def test_calendar_without_opening_hours_must_be_24x7(admin_client):
    response = admin_client.post(CALENDAR_ADD, calendar_post())
    assert response.status_code == 200
    assert "The calendar has no opening hours: add a range or make it 24x7." in (
        response.content.decode()
    )
    assert not BusinessCalendar.objects.filter(name="Night desk").exists()

    response = admin_client.post(CALENDAR_ADD, calendar_post(always_open="on"))
    assert response.status_code == 302
    assert BusinessCalendar.objects.get(name="Night desk").always_open


def test_policy_target_of_zero_is_refused(admin_client):
    tier = SupportTier.objects.create(slug="gold", name="Gold", rank=50)
    vendor = BusinessCalendar.objects.get(name="Vendor business hours")
    target = {
        "kind": "first_response",
        "amount": "0",
        "unit": "hours",
        "calendar": str(vendor.pk),
        "only_outside": "",
        "id": "",
        "policy": "",
    }
    data = {"tier": str(tier.pk), "severity": "S1", "warn_share": "0.75", "_save": "Save"}
    data |= _formset("targets", [target])

    response = admin_client.post(POLICY_ADD, data)
    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()
    assert not SLAPolicy.objects.filter(tier=tier).exists()

    response = admin_client.post(POLICY_ADD, data | {"targets-0-amount": "4"})
    assert response.status_code == 302
    assert SLATarget.objects.get(policy__tier=tier).describe() == "4 hours of business hours"


def test_a_calendar_is_marked_open_on_working_saturdays_in_the_admin(admin_client):
    response = admin_client.post(
        CALENDAR_ADD,
        calendar_post(
            *((day, "09:00", "17:00") for day in range(5)), open_on_moved_working_days="on"
        ),
    )

    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get(name="Night desk")
    assert calendar.open_on_moved_working_days
    assert calendar.to_engine(range(2026, 2027)).working_days == {
        dt.date(2026, 1, 10),
        dt.date(2026, 8, 8),
    }


def test_working_saturdays_without_a_holiday_country_are_refused_in_the_admin(admin_client):
    response = admin_client.post(
        CALENDAR_ADD,
        calendar_post((0, "09:00", "17:00"), holiday_country="", open_on_moved_working_days="on"),
    )

    assert response.status_code == 200
    assert "Moved working days come from the holiday country" in response.content.decode()
    assert not BusinessCalendar.objects.filter(name="Night desk").exists()
