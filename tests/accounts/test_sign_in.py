"""Signing in through allauth's view at /accounts/login/: an email address in any case
and a password, the page one was sent from, django-axes' lock-out, and no other way in
(no sign-up, the admin's own form sends people here)."""

import pytest
from axes.models import AccessAttempt

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client, email, password=DEFAULT_PASSWORD, next_url=""):
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": email, "password": password})


def test_an_address_in_any_case_signs_in_and_lands_on_the_home_page(client, personas):
    response = _sign_in(client, personas.user_a.email.upper())
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/portal/").context["user"] == personas.user_a


def test_sign_in_returns_to_the_page_one_was_sent_from(client, personas):
    response = _sign_in(client, personas.agent.email, next_url="/workspace/")
    assert response["Location"] == "/workspace/"


def test_sign_in_never_sends_one_to_another_site(client, personas):
    response = _sign_in(client, personas.agent.email, next_url="https://evil.example/")
    assert response["Location"] == "/"


def test_a_signed_in_person_opening_the_sign_in_page_goes_home(client, personas):
    client.force_login(personas.user_a)
    response = client.get("/accounts/login/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_wrong_password_and_an_unknown_address_get_the_same_answer(client, personas):
    answers = [
        _sign_in(client, email, "not-the-password").content.decode().replace(email, "ADDRESS")
        for email in (personas.user_a.email, "nobody@acme.example")
    ]
    assert "Please enter a correct email address and password." in answers[0]
    assert answers[0].count("correct email address") == answers[1].count("correct email address")


def test_a_deactivated_person_cannot_sign_in(client, personas):
    """With the right password they are told the account is inactive, and stay out."""
    personas.user_a.is_active = False
    personas.user_a.save()
    response = _sign_in(client, personas.user_a.email)
    assert response["Location"] == "/accounts/inactive/"
    assert "_auth_user_id" not in client.session
    assert "inactive" in client.get("/accounts/inactive/").content.decode()


def test_failed_sign_ins_are_counted_by_axes_whatever_the_case_of_the_address(
    client, personas, settings
):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        email = personas.user_a.email.upper() if attempt % 2 else personas.user_a.email
        _sign_in(client, email, "wrong")
    attempt = AccessAttempt.objects.get()
    assert attempt.username == personas.user_a.email
    assert attempt.failures_since_start == settings.AXES_FAILURE_LIMIT
    response = _sign_in(client, personas.user_a.email)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_nobody_signs_up_on_their_own(client):
    assert client.get("/accounts/signup/").status_code == 404


def test_the_admin_sign_in_sends_people_to_the_help_desks_own(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
