"""Everyone edits their own name and time zone; pages then show times in that zone."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import services

pytestmark = pytest.mark.django_db

PROFILE = reverse("profile")


def test_profile_change_saves_name_and_timezone(client, personas):
    client.force_login(personas.user_a)

    response = client.post(PROFILE, {"full_name": "Arthur Q. User", "timezone": "Asia/Tokyo"})

    assert response.status_code == 302
    personas.user_a.refresh_from_db()
    assert personas.user_a.full_name == "Arthur Q. User"
    assert personas.user_a.timezone == "Asia/Tokyo"


def test_pages_show_times_in_the_chosen_timezone(client, personas):
    client.force_login(personas.user_a)
    client.post(PROFILE, {"full_name": "Arthur", "timezone": "Asia/Tokyo"})

    response = client.get(PROFILE)

    page = response.content.decode()
    assert "Times are shown in Asia/Tokyo" in page
    # The zones' select (core.html.LongSelect) has the chosen one selected, and only it.
    assert '<option value="Asia/Tokyo" selected>Asia/Tokyo</option>' in page
    assert page.count(" selected>") == 2  # the zone, and the language's default


def test_empty_timezone_falls_back_to_the_organisations(client, personas):
    personas.user_a.timezone = "Asia/Tokyo"
    personas.user_a.save()
    client.force_login(personas.user_a)

    client.post(PROFILE, {"full_name": "Arthur", "timezone": ""})

    personas.user_a.refresh_from_db()
    assert personas.user_a.timezone == ""
    page = client.get(PROFILE).content.decode()
    assert "Your organisation&#x27;s (Europe/Budapest)" in page
    assert "Times are shown in Europe/Budapest" in page


def test_unknown_timezone_is_refused_beside_the_field_keeping_the_name(client, personas):
    client.force_login(personas.user_a)

    response = client.post(PROFILE, {"full_name": "Arthur New", "timezone": "Mars/Olympus"})

    assert response.status_code == 200
    assert "Mars/Olympus is not one of the available choices" in response.content.decode()
    assert 'value="Arthur New"' in response.content.decode()
    personas.user_a.refresh_from_db()
    assert personas.user_a.full_name == "Arthur User"


def test_staff_edit_their_profile_too(client, personas):
    client.force_login(personas.agent)

    page = client.get(PROFILE).content.decode()

    assert "The support team&#x27;s" in page


def test_service_refuses_editing_someone_else(personas):
    with pytest.raises(PermissionDenied):
        services.user_update_profile(
            personas.admin_a, user=personas.user_a, full_name="X", timezone_name=""
        )


def test_service_refuses_a_blank_name_and_an_unknown_zone(personas):
    with pytest.raises(ValidationError):
        services.user_update_profile(
            personas.user_a, user=personas.user_a, full_name="  ", timezone_name=""
        )
    with pytest.raises(ValidationError):
        services.user_update_profile(
            personas.user_a, user=personas.user_a, full_name="A", timezone_name="Nowhere/City"
        )


def test_dates_on_portal_pages_follow_the_viewers_timezone(client, personas):
    from knowledge.models import ReleaseNote

    ReleaseNote.objects.create(
        title="Window",
        slug="window",
        kind="maintenance",
        body=".",
        published_at=dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC),
        scheduled_for=dt.datetime(2026, 11, 28, 20, 0, tzinfo=dt.UTC),
    )
    client.force_login(personas.user_a)
    client.post(PROFILE, {"full_name": "Arthur", "timezone": "Asia/Tokyo"})

    page = client.get(reverse("release_note_list")).content.decode()

    assert "Sun 29 Nov 2026, 05:00 JST" in page


def test_a_phone_number_is_saved_in_international_form_and_empty_clears_it(client, personas):
    client.force_login(personas.user_a)
    data = {"full_name": "Arthur", "timezone": "", "phone": "+36 1 234 5678"}

    assert client.post(PROFILE, data).status_code == 302
    personas.user_a.refresh_from_db()
    assert personas.user_a.phone == "+3612345678"
    assert 'value="+36 1 234 5678"' in client.get(PROFILE).content.decode()

    assert client.post(PROFILE, {**data, "phone": ""}).status_code == 302
    personas.user_a.refresh_from_db()
    assert personas.user_a.phone == ""


@pytest.mark.parametrize("phone", ["12345", "+36 1", "call me", "+" + "9" * 300, "+36\x001234567"])
def test_a_number_that_is_not_a_phone_number_is_refused_and_nothing_changes(
    client, personas, phone
):
    client.force_login(personas.user_a)
    response = client.post(PROFILE, {"full_name": "Arthur", "timezone": "", "phone": phone})
    assert response.status_code == 200
    assert "Enter a valid phone number" in response.content.decode()
    personas.user_a.refresh_from_db()
    assert personas.user_a.full_name != "Arthur" and personas.user_a.phone == ""


def test_the_service_checks_the_number_too(personas):
    with pytest.raises(ValidationError) as refused:
        services.user_update_profile(
            personas.user_a, user=personas.user_a, full_name="A", timezone_name="", phone="12"
        )
    assert "phone" in refused.value.message_dict
