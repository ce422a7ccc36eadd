"""SAML single sign-on in a real Chromium: from the help desk's sign-in page to the test
identity provider (tests/accounts/saml_idp.py, its own process) and back through the
HTTP-POST binding's self-submitting form, under the site's Content-Security-Policy."""

from collections.abc import Iterator

import httpx
import pytest
from allauth.socialaccount.models import SocialApp
from playwright.sync_api import expect

from accounts.models import MemberRole, SingleSignOn, SingleSignOnDomain, User
from tests.browser.axe import assert_accessible
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_person_of_the_domain_signs_in_through_the_organisations_saml_idp(
    page, live_server, personas, saml_idp
):
    app = SocialApp.objects.create(
        provider="saml",
        provider_id="saml-acme",
        name="Acme SSO",
        client_id="acme",
        settings={
            "idp": {
                "entity_id": saml_idp.entity_id,
                "metadata_url": saml_idp.metadata_url,
                # A busy test machine may take longer than allauth's 10 seconds.
                "metadata_request_timeout": 60,
            },
            "advanced": {"want_assertion_signed": True},
        },
    )
    connection = SingleSignOn.objects.create(organization=personas.org_a, app=app)
    SingleSignOnDomain.objects.create(
        organization=personas.org_a, single_sign_on=connection, domain="acme.example"
    )
    metadata = httpx.get(f"{live_server.url}/accounts/saml/acme/metadata/", timeout=60)
    saml_idp.register(metadata.content)

    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("grace@acme.example")
    page.locator("#sso_sign_in").click()  # the sign-in page's single sign-on button
    page.wait_for_url("**/accounts/saml/acme/login/**")
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{saml_idp.base}/sso/redirect**")
    page.get_by_label("User ID").fill("grace-7")
    page.get_by_label("Email").fill("grace@acme.example")
    page.get_by_label("Given name").fill("Grace")
    page.get_by_label("Surname").fill("Hopper")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/**", wait_until="load")
    page.wait_for_url(lambda url: "/accounts/" not in url)

    expect(page.get_by_role("heading", name="Welcome, Grace")).to_be_visible()
    grace = User.objects.get(email="grace@acme.example")
    assert grace.full_name == "Grace Hopper"
    assert grace.membership.organization == personas.org_a
    assert grace.membership.role == MemberRole.USER
    assert not grace.is_staff and not grace.staff_role


@pytest.fixture
def trusting_page(browser, live_server) -> Iterator:
    """A page whose browser trusts the https test IdP's self-signed certificate (as a
    company's browsers trust its IdP), reporting any script or CSP error as a failure."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        reduced_motion="reduce",
        ignore_https_errors=True,
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page
    context.close()
    assert not errors, f"browser reported errors: {errors}"


def test_an_administrator_connects_the_saml_idp_by_its_metadata_and_its_people_sign_in(
    trusting_page, live_server, personas, saml_idp_https
):
    page, idp = trusting_page, saml_idp_https
    sign_in(page, personas.admin_a)
    page.goto("/accounts/contacts/single-sign-on/")
    page.get_by_role("link", name="SAML 2.0").click()
    page.wait_for_url("**?protocol=saml")
    assert_accessible(page)
    acs = page.locator("#acs-url").inner_text()
    assert acs == f"{live_server.url}/accounts/saml/acme/acs/"
    page.get_by_label("Identity provider's metadata (XML)").fill(idp.metadata())
    page.get_by_label("Email domains").fill("acme.example")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your single sign-on is saved.")).to_be_visible()
    expect(page.get_by_label("Identity provider's entity ID")).to_have_value(idp.entity_id)
    expect(page.locator("#saved-certificate")).to_contain_text("CN=Test identity provider")
    assert_accessible(page)
    # The IdP's administrator registers the help desk by its metadata URL.
    sp_metadata = page.locator("#sp-entity-id").inner_text()
    idp.register(httpx.get(sp_metadata, timeout=60).content)
    page.context.clear_cookies()  # signed out

    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill("grace@acme.example")
    page.locator("#sso_sign_in").click()
    page.wait_for_url("**/accounts/saml/acme/login/**")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{idp.base}/sso/redirect**")
    page.get_by_label("User ID").fill("grace-7")
    page.get_by_label("Email").fill("grace@acme.example")
    page.get_by_label("Given name").fill("Grace")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/**", wait_until="load")
    page.wait_for_url(lambda url: "/accounts/" not in url)

    expect(page.get_by_role("heading", name="Welcome, Grace")).to_be_visible()
    grace = User.objects.get(email="grace@acme.example")
    assert grace.membership.organization == personas.org_a
    assert grace.membership.role == MemberRole.USER
