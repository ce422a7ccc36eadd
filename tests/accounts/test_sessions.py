"""Each person's sessions (allauth.usersessions): listed, the others signed out; and
every session ends, with every API token, when a person's access ends or their
password changes."""

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from accounts import services
from api.models import ApiToken
from api.services import api_token_create
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(user, browser="Firefox") -> Client:
    """A browser that signed in through the sign-in page, as a person does."""
    client = Client(HTTP_USER_AGENT=browser)
    response = client.post("/accounts/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def is_signed_in(client) -> bool:
    return client.get("/accounts/profile/").status_code == 200


def test_a_person_sees_their_sessions_and_signs_out_the_others(personas):
    laptop = signed_in(personas.user_a, "Laptop browser")
    phone = signed_in(personas.user_a, "Phone browser")
    signed_in(personas.admin_a, "Colleague browser")
    page = laptop.get("/accounts/sessions/").content.decode()
    assert "Laptop browser" in page and "Phone browser" in page
    assert "Colleague browser" not in page
    response = laptop.post("/accounts/sessions/")
    assert response.status_code == 302
    assert is_signed_in(laptop) and not is_signed_in(phone)
    assert UserSession.objects.filter(user=personas.user_a).count() == 1


def test_a_deactivated_contact_is_signed_out_and_loses_their_tokens_at_once(personas):
    browser = signed_in(personas.user_a)
    token, _raw = api_token_create(personas.user_a, name="script")
    services.contact_set_active(
        personas.admin_a, membership=personas.user_a.membership, active=False
    )
    assert not is_signed_in(browser)
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Reactivated, they sign in again; the old token stays revoked.
    membership = personas.user_a.membership
    services.contact_set_active(personas.admin_a, membership=membership, active=True)
    assert is_signed_in(signed_in(personas.user_a))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_membership_removed_in_the_admin_ends_sessions_and_tokens(client, personas):
    browser = signed_in(personas.user_a)
    api_token_create(personas.user_a, name="script")
    client.force_login(personas.administrator)
    membership = personas.user_a.membership
    response = client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not is_signed_in(browser)
    assert not ApiToken.objects.filter(user=personas.user_a, revoked_at__isnull=True).exists()


def test_staff_deactivated_in_the_admin_are_signed_out(personas):
    agent = personas.agent
    browser = signed_in(agent)
    services.user_access_ended(personas.administrator, user=agent)
    assert not is_signed_in(browser)


def test_a_password_change_signs_out_the_other_sessions_only(personas):
    here = signed_in(personas.user_a, "Here")
    elsewhere = signed_in(personas.user_a, "Elsewhere")
    response = here.post(
        "/accounts/password/change/",
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "a-new-sunny-harbour-42",
            "new_password2": "a-new-sunny-harbour-42",
        },
    )
    assert response.status_code == 302
    assert is_signed_in(here) and not is_signed_in(elsewhere)
    assert list(
        UserSession.objects.filter(user=personas.user_a).values_list("user_agent", flat=True)
    ) == ["Here"]


def test_a_password_reset_signs_out_every_session(personas, mailoutbox):
    browser = signed_in(personas.user_a)
    visitor = Client()
    visitor.post("/accounts/password/reset/", {"email": personas.user_a.email})
    link = next(
        line for line in mailoutbox[0].body.splitlines() if "/accounts/password/reset/" in line
    )
    path = link[link.index("/accounts/password/reset/") :].strip()
    form_url = visitor.get(path)["Location"]
    response = visitor.post(
        form_url,
        {"new_password1": "a-new-sunny-harbour-42", "new_password2": "a-new-sunny-harbour-42"},
    )
    assert response.status_code == 302
    assert not is_signed_in(browser)
    assert not UserSession.objects.filter(user=personas.user_a).exists()
