"""Two-factor authentication in a real Chromium: an agent who must use a second factor
sets up an authenticator app (the code computed as allauth checks it) and signs in with
it; a customer registers a passkey in Chromium's virtual authenticator (WebAuthn over
the DevTools protocol) and signs in with it alone, without a password."""

import datetime as dt
import re

import pytest
from allauth.mfa.models import Authenticator
from django.utils import timezone
from playwright.sync_api import expect

from tests.accounts.test_two_factor import totp_code
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_out(page):
    page.locator("#main-nav .dropdown-toggle").click()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def _reauthenticate_if_asked(page):
    if "/accounts/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(DEFAULT_PASSWORD)
        page.get_by_role("button", name="Confirm").click()


def test_an_agent_sets_up_an_authenticator_app_and_signs_in_with_it(
    page, personas, settings, time_machine
):
    settings.STAFF_REQUIRE_MFA = True
    agent = personas.agent
    sign_in(page, agent)
    # The workspace waits until a second factor is set up.
    page.goto("/workspace/")
    page.wait_for_url(re.compile(r"/accounts/2fa/$"))
    expect(page.get_by_text("Set up two-factor authentication to continue").first).to_be_visible()

    page.get_by_role("link", name="Activate").click()
    _reauthenticate_if_asked(page)
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url(lambda url: "/totp/activate/" not in url)
    assert Authenticator.objects.filter(user=agent, type="totp").exists()
    page.goto("/workspace/")
    assert page.url.endswith("/workspace/")

    _sign_out(page)
    # Half a minute later: a code is accepted once, so the next one is due.
    time_machine.move_to(timezone.now() + dt.timedelta(seconds=30), tick=True)
    page.get_by_label("Email address").fill(agent.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    page.goto("/workspace/")
    assert page.url.endswith("/workspace/")


def test_a_customer_registers_a_passkey_and_signs_in_with_it_alone(page, personas, settings):
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the live server speaks plain HTTP
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    customer = personas.user_a
    sign_in(page, customer)
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="Two-factor authentication").click()
    page.get_by_role("link", name="Add").click()
    _reauthenticate_if_asked(page)
    page.wait_for_url(re.compile(r"/accounts/2fa/webauthn/add/"))
    page.get_by_label("Name").fill("Laptop")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    key = Authenticator.objects.get(user=customer, type="webauthn")
    assert key.wrap().name == "Laptop"

    _sign_out(page)
    page.get_by_role("button", name="Use a passkey instead").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)
    expect(page.get_by_role("heading", name="Welcome, Arthur")).to_be_visible()
