"""The README's screenshots, taken from the demo data so they never go stale.

Takes the demo's data (``seed_demo``: months of SLA-timed history), signs in as the
demo people and photographs the portal, the customer's service report, the agent queue, a ticket and
the manager dashboard.
"""

from pathlib import Path

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from accounts.demo import DEMO_PASSWORD
from tests.browser.axe import assert_accessible
from tests.conftest import sign_in
from tests.demo_data import seeded_demo  # noqa: F401 - a fixture
from tickets import presence

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def demo(transactional_db, seeded_demo):  # noqa: F811
    """The demo's data (tests/demo_data.py), committed for the live server."""


def _user(email):
    from accounts.models import User

    return User.objects.get(email=email)


def _colleague_of(email):
    """Another member of the vendor's staff than the one with this email."""
    from accounts.models import User

    return User.objects.exclude(staff_role="").exclude(email=email).order_by("full_name").first()


def _shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": hiding the caret leaves style attributes that the CSP reports.
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), caret="initial")


def test_screenshots_of_the_demo(demo, browser, live_server):
    def new_page():
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        return context, context.new_page()

    context, page = new_page()
    sign_in(page, _user("anna.admin@acme.example"), DEMO_PASSWORD)
    page.goto("/")
    expect(page.get_by_role("heading", name="Welcome, Anna")).to_be_visible()
    assert_accessible(page)
    _shoot(page, "portal")
    page.goto("/dashboard/service-report/")
    # Last month's: a whole month of the demo's history.
    page.get_by_label("Month").select_option(index=1)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/service-report/*-*/")
    page.wait_for_selector("#headline")
    assert_accessible(page)
    _shoot(page, "service-report")
    context.close()

    with scopes_disabled():
        from surveys.models import SatisfactionSurvey

        # The latest answer of someone who reads the help desk in English.
        answered = (
            SatisfactionSurvey.objects.exclude(ticket__organization__default_language="hu")
            .exclude(ticket__requester__language="hu")
            .select_related("ticket__requester")
            .first()
        )
    assert answered is not None, "the demo answers a share of its resolved tickets"
    context, page = new_page()
    sign_in(page, answered.ticket.requester, DEMO_PASSWORD)
    page.goto(f"/tickets/{answered.ticket.reference}/")
    survey = page.get_by_test_id("survey")
    survey.scroll_into_view_if_needed()
    expect(survey.get_by_role("heading", name="Customer satisfaction")).to_be_visible()
    assert_accessible(page)
    _shoot(page, "survey")
    context.close()

    context, page = new_page()
    sign_in(page, _user("alex.agent@vendor.example"), DEMO_PASSWORD)
    page.goto("/workspace/")
    assert page.locator("tbody tr").count() > 5
    _shoot(page, "queue")
    with scopes_disabled():
        from tickets.models import Ticket

        ticket = (
            Ticket.objects.filter(status="workaround_provided", escalation_level__gt=0)
            .exclude(sla_due_at=None)
            .first()
            or Ticket.objects.filter(status__in=["in_progress", "workaround_provided"])
            .exclude(sla_due_at=None)
            .order_by("sla_due_at")
            .first()
        )
        colleague = _colleague_of("alex.agent@vendor.example")
    # A colleague has the ticket open too: the page says so.
    presence.ticket_presence_beat(ticket_id=ticket.pk, user=colleague, typing=False)
    page.goto(f"/tickets/{ticket.reference}/")
    expect(page.get_by_text(ticket.title).first).to_be_visible()
    expect(page.get_by_text(f"{colleague} is viewing")).to_be_visible()
    expect(page.get_by_test_id("requester")).to_be_visible()
    assert_accessible(page)
    _shoot(page, "ticket")
    # A canned response that also sets fields says what it will set before it is sent.
    page.get_by_label("Canned response").select_option(label="Ask for the logs (sets fields)")
    sets = page.get_by_test_id("canned-response-sets")
    sets.scroll_into_view_if_needed()
    assert "Waiting on customer" in sets.inner_text()
    _shoot(page, "canned-response")
    context.close()

    context, page = new_page()
    sign_in(page, _user("marta.manager@vendor.example"), DEMO_PASSWORD)
    page.goto("/dashboard/")
    page.wait_for_selector("#headline")
    page.wait_for_selector("canvas")
    _shoot(page, "dashboard")
    context.close()
