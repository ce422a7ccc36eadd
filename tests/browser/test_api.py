"""A person makes an API token on their profile and uses it; the API's reference renders
under the Content-Security-Policy."""

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_makes_a_token_copies_it_once_uses_it_and_revokes_it(
    page, personas, live_server
):
    sign_in(page, personas.admin_a)
    page.goto("/accounts/profile/")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("Nagios on mon-01")
    page.get_by_label("Scope").select_option("write")
    page.get_by_role("button", name="Create the token").click()
    token = page.get_by_label("The new token").input_value()
    assert token.startswith("hd_")
    expect(page.get_by_text("Copy it now: it is not shown again.")).to_be_visible()
    assert_accessible(page)
    api = f"{live_server.url}/api/v1/tickets/"
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(api, headers=headers).status_code == 200
    page.reload()
    assert page.get_by_label("The new token").count() == 0
    page.get_by_role("button", name="Revoke Nagios on mon-01").click()
    expect(page.get_by_text("is revoked: it no longer works")).to_be_visible()
    assert httpx.get(api, headers=headers).status_code == 401


def test_the_api_reference_lists_the_operations(page):
    page.goto("/api/v1/docs/")
    # Swagger UI draws the page from the schema once both have loaded.
    operation = page.get_by_text("/api/v1/tickets/{reference}/replies/").first
    operation.wait_for()
    expect(operation).to_be_visible()
    expect(page.get_by_role("heading", name="Help desk API").first).to_be_visible()
