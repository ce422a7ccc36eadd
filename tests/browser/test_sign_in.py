import pytest
from playwright.sync_api import expect

from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_signs_in_and_sees_the_home_page(page, personas):
    sign_in(page, personas.admin_a)
    expect(page.get_by_role("heading", name="Welcome, Alice")).to_be_visible()
    expect(page.get_by_text("Acme Manufacturing").first).to_be_visible()


def test_wrong_password_is_refused_with_a_clear_message(page, personas):
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(personas.admin_a.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Please enter a correct email address and password")).to_be_visible()
    assert page.get_by_label("Email address").input_value() == personas.admin_a.email
