"""A person's language: their profile's choice, else their organisation's default, else
their browser's, else English; the answer says which, and varies with Accept-Language."""

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import language_choices

pytestmark = pytest.mark.django_db

PROFILE = reverse("profile")
LOGIN = reverse("login")


def _language(response) -> str:
    return response.headers["Content-Language"]


def test_the_persons_own_language_comes_first(client, personas):
    personas.org_a.default_language = "en"
    personas.org_a.save()
    personas.user_a.language = "hu"
    personas.user_a.save()
    client.force_login(personas.user_a)

    response = client.get(PROFILE, headers={"accept-language": "en"})

    assert _language(response) == "hu"
    assert '<html lang="hu"' in response.content.decode()


def test_without_a_choice_the_organisations_default_comes_before_the_browser(client, personas):
    personas.org_a.default_language = "hu"
    personas.org_a.save()
    client.force_login(personas.user_a)

    assert _language(client.get(PROFILE, headers={"accept-language": "en"})) == "hu"


def test_without_either_the_browsers_language_is_used(client, personas):
    client.force_login(personas.user_a)

    assert _language(client.get(PROFILE, headers={"accept-language": "hu-HU,hu;q=0.9"})) == "hu"
    assert _language(client.get(PROFILE, headers={"accept-language": "en-GB"})) == "en"


def test_a_browser_language_we_do_not_have_falls_back_to_english(client, personas):
    client.force_login(personas.user_a)

    assert _language(client.get(PROFILE, headers={"accept-language": "de-DE,fr;q=0.8"})) == "en"
    assert _language(client.get(PROFILE)) == "en"


def test_staff_have_no_organisation_so_their_browser_decides(client, personas):
    personas.org_a.default_language = "hu"
    personas.org_a.save()
    client.force_login(personas.agent)

    assert _language(client.get(PROFILE, headers={"accept-language": "en"})) == "en"
    personas.agent.language = "hu"
    personas.agent.save()
    assert _language(client.get(PROFILE, headers={"accept-language": "en"})) == "hu"


def test_signed_out_pages_follow_the_browser(client):
    response = client.get(LOGIN, headers={"accept-language": "hu"})

    assert _language(response) == "hu"


def test_answers_vary_with_accept_language(client, personas):
    client.force_login(personas.user_a)

    response = client.get(PROFILE)

    assert "Accept-Language" in response.headers["Vary"]
    assert "Accept-Language" in client.get(LOGIN).headers["Vary"]


def test_the_language_is_not_left_active_after_the_request(client, personas):
    personas.user_a.language = "hu"
    personas.user_a.save()
    client.force_login(personas.user_a)
    client.get(PROFILE)

    assert translation.get_language() == "en"


def test_profile_offers_the_languages_in_their_own_names(client, personas):
    client.force_login(personas.user_a)

    page = client.get(PROFILE).content.decode()

    assert '<option value="hu">Magyar</option>' in page
    assert '<option value="en">English</option>' in page
    assert "Your browser&#x27;s" in page
    assert language_choices() == [("en", "English"), ("hu", "Magyar")]


def test_profile_names_the_organisations_default_language(client, personas):
    personas.org_a.default_language = "hu"
    personas.org_a.save()
    personas.user_a.language = "en"  # reads English, and is offered the organisation's
    personas.user_a.save()
    client.force_login(personas.user_a)

    page = client.get(PROFILE).content.decode()

    assert "Your organisation&#x27;s (Magyar)" in page


def test_profile_choice_saves_the_language_and_empty_clears_it(client, personas):
    client.force_login(personas.user_a)

    response = client.post(PROFILE, {"full_name": "Arthur User", "timezone": "", "language": "hu"})

    assert response.status_code == 302
    personas.user_a.refresh_from_db()
    assert personas.user_a.language == "hu"
    assert _language(client.get(PROFILE)) == "hu"

    client.post(PROFILE, {"full_name": "Arthur User", "timezone": "", "language": ""})
    personas.user_a.refresh_from_db()
    assert personas.user_a.language == ""


def test_profile_refuses_a_language_we_do_not_have(client, personas):
    client.force_login(personas.user_a)

    response = client.post(PROFILE, {"full_name": "Arthur User", "timezone": "", "language": "de"})

    assert response.status_code == 200
    personas.user_a.refresh_from_db()
    assert personas.user_a.language == ""
