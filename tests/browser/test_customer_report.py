"""A customer administrator opens their organisation's monthly service report from the
portal's navigation, picks a month, and the page passes axe."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_administrator_opens_the_service_report_and_axe_passes(
    page, personas, make_ticket
):
    make_ticket(title="Invoices cannot be posted at month-end")
    make_ticket(title="Payroll export rejected by the bank", severity="S2")
    month = timezone.localdate()
    sign_in(page, personas.admin_a)

    page.get_by_role("link", name="Service report").click()
    page.wait_for_url(f"**/dashboard/service-report/{month:%Y-%m}/")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(rf"^Acme Manufacturing — \w+ {month.year}$"))
    tickets = page.locator("#table-tickets")
    expect(tickets.get_by_text("Invoices cannot be posted at month-end")).to_be_visible()
    expect(tickets.get_by_text("Payroll export rejected by the bank")).to_be_visible()
    expect(page.get_by_role("heading", name="Customer satisfaction", level=2)).to_be_visible()
    # The report opens with its headline figures, before every table.
    headline = page.locator("#headline")
    expect(headline.locator(".headline-figure")).to_have_count(5)
    open_s1 = page.get_by_test_id("headline-open_s1")
    assert open_s1.locator(".headline-value").inner_text() == "1"
    assert "Up 1 from 0 in the previous period." in open_s1.inner_text()
    expect(open_s1.locator("i.bi-arrow-up[aria-hidden=true]")).to_have_count(1)
    assert headline.evaluate(
        "el => !!(el.compareDocumentPosition(document.querySelector('table'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING)"
    )
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    assert page.get_by_role("link", name="CSV").get_attribute("href") == (
        f"/dashboard/service-report/{month:%Y-%m}.csv"
    )
    assert_accessible(page)

    # The picker offers this month only: the organisation's first ticket is this month's.
    expect(page.get_by_label("Month").locator("option")).to_have_count(1)
    page.get_by_role("button", name="Show").click()
    assert page.url.endswith(f"/dashboard/service-report/{month:%Y-%m}/")

    # Printed, the buttons and the site's navigation stay off the paper.
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_the_service_report_fits_a_phone(page, personas, make_ticket):
    make_ticket(title="Invoices cannot be posted at month-end")
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, personas.admin_a)
    page.goto("/dashboard/service-report/")

    expect(page.locator("#headline .headline-figure")).to_have_count(5)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the report scrolls sideways by {overflow}px at 375px"
    assert_accessible(page)
