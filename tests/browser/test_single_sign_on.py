"""Single sign-on in a real browser, through a real OpenID Connect provider (tests.oidc):
the sign-in page's "Use single sign-on", allauth's "Continue" page, whose form must be
allowed to leave for the provider by the page's Content-Security-Policy, the provider's
own sign-in and consent, and back, signed in. The pages are scanned by axe-core, and the
customer administrator's settings page is used at 375 px by keyboard."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from accounts.models import MemberRole, User
from tests import factories
from tests.browser.axe import assert_accessible
from tests.conftest import sign_in
from tests.oidc import ORG_CLIENT, oidc_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def issuer(live_server, page) -> Iterator[str]:
    with oidc_provider(live_server.url) as url:
        # The provider's development pages ask for web fonts and an icon: answered here,
        # so that the browser reports no error of theirs.
        page.context.route(
            lambda address: (
                not address.startswith((live_server.url, url)) or address.endswith("/favicon.ico")
            ),
            lambda route: route.fulfill(status=200, body=""),
        )
        yield url


def test_a_new_person_signs_in_through_their_organisations_provider(
    page, live_server, personas, issuer
):
    factories.single_sign_on(
        personas.org_a,
        domains=("acme.example",),
        server_url=issuer,
        client_id=ORG_CLIENT["client_id"],
        secret=ORG_CLIENT["client_secret"],
        name="Acme sign-in",
    )
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Email address").fill("nora.new@acme.example")
    page.get_by_role("button", name="Use single sign-on").click()
    page.wait_for_url("**/accounts/oidc/org-acme/login/**")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{issuer}/**")
    page.locator("input[name=login]").fill("nora")
    page.locator("input[name=password]").fill("the provider's own")
    page.locator("button[type=submit]").click()
    page.locator("button[type=submit]", has_text="Continue").click()  # the consent
    page.wait_for_url(f"{live_server.url}/portal/")  # the home of customers
    expect(page.get_by_role("heading", name="Welcome, Nora")).to_be_visible()
    nora = User.objects.get(email="nora.new@acme.example")
    assert nora.membership.organization == personas.org_a
    assert nora.membership.role == MemberRole.USER


def test_a_mandatory_provider_refuses_the_password_with_a_clear_message(page, personas):
    factories.single_sign_on(personas.org_a, domains=("acme.example",), mandatory=True)
    erik = factories.customer(personas.org_a, email="erik@acme.example")
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(erik.email)
    page.get_by_label("Password").fill(factories.DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text("signs its people in through its identity provider")).to_be_visible()
    assert "/accounts/login/" in page.url
    assert_accessible(page)


def test_a_customer_administrator_connects_a_provider_by_keyboard_on_a_phone(page, personas):
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page, personas.admin_a)
    page.goto("/accounts/contacts/single-sign-on/")
    assert_accessible(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways: {width}px"
    page.get_by_label("Issuer URL").focus()
    page.keyboard.type("https://login.acme.example")
    page.keyboard.press("Tab")
    page.keyboard.type("helpdesk")
    page.keyboard.press("Tab")
    page.keyboard.type("a-secret-of-acme-0123")
    page.keyboard.press("Tab")
    page.keyboard.type("acme.example")
    page.get_by_role("button", name="Save").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your single sign-on is saved.")).to_be_visible()
    assert "a-secret-of-acme-0123" not in page.content()
    assert_accessible(page)
