"""SAML single sign-on in a real Chromium: from the help desk's sign-in page to the test
identity provider (tests/accounts/saml_idp.py, its own process) and back through the
HTTP-POST binding's self-submitting form, under the site's Content-Security-Policy."""

import httpx
import pytest
from allauth.socialaccount.models import SocialApp

from accounts.models import MemberRole, SingleSignOn, SingleSignOnDomain, User
from tests.browser.axe import assert_accessible

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

    assert page.get_by_role("heading", name="Welcome, Grace").is_visible()
    grace = User.objects.get(email="grace@acme.example")
    assert grace.full_name == "Grace Hopper"
    assert grace.membership.organization == personas.org_a
    assert grace.membership.role == MemberRole.USER
    assert not grace.is_staff and not grace.staff_role
