"""The customer portal in Hungarian in a real browser: a customer whose language is
Hungarian sees the portal home and logs a ticket, every word and date in Hungarian,
and axe-core still finds nothing serious."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.conftest import sign_in
from tests.helpdesk.test_translations import english_words_in
from tests.translations import compile_translations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    compile_translations()


def hu(text: str) -> str:
    """The Hungarian of an English word of the product, as the catalogue has it."""
    with translation.override("hu"):
        return gettext(text)


def test_a_hungarian_customer_sees_the_portal_and_logs_a_ticket_in_hungarian(
    page, personas, contracts, make_ticket
):
    make_ticket(title="Invoices cannot be posted", severity="S2")
    customer = personas.admin_a
    customer.language = "hu"
    customer.save()

    sign_in(page, customer)
    page.goto("/portal/")

    assert page.locator("html").get_attribute("lang") == "hu"
    expect(page.get_by_role("heading", name=re.compile("Üdvözöljük"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(hu("Your open tickets")))).to_be_visible()
    assert english_words_in(page.content()) == []
    assert_accessible(page)

    page.get_by_role("link", name=hu("Log a ticket")).first.click()
    page.wait_for_url("**/tickets/new/")
    expect(page.get_by_role("heading", name=hu("Log a support request"))).to_be_visible()
    assert english_words_in(page.content()) == []
    assert_accessible(page)

    page.get_by_label(hu("S2 major")).check()
    page.get_by_label(hu("Title")).fill("A számlák nem könyvelhetők")
    page.get_by_label(hu("Description")).fill("Könyveléskor **500-as hiba** jelenik meg.")
    page.get_by_label(hu("Product and version")).select_option(label="Ledgerline ERP 8.1")
    page.get_by_role("button", name=hu("Log the ticket")).click()
    page.wait_for_url(re.compile(r"/tickets/ACME-\d+/$"))

    expect(page.get_by_text(re.compile(r"A\(z\) ACME-\d+ ügyet rögzítettük"))).to_be_visible()
    assert page.get_by_test_id("status").inner_text() == hu("Received")
    # The first response's deadline, as Hungarians write a date: "dec. 8. (kedd) 17:00".
    due = page.get_by_test_id("due-first_response").inner_text()
    assert re.fullmatch(r"[a-zá-ű]+\.? \d{1,2}\. \([a-zá-ű]+\) \d{2}:\d{2} \w+", due), due
    assert_accessible(page)
