"""The satisfaction survey in a real browser: the requester answers on the portal's
ticket page, changes the answer from the email's one-click link without signing in, and
the agent reads it on the ticket; axe passes on each page."""

import re

import pytest
from playwright.sync_api import expect

from surveys.links import answer_path
from tests.browser.axe import assert_accessible
from tests.conftest import sign_in
from tickets import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def resolved(personas, make_ticket):
    ticket = make_ticket(title="Payroll export rejected by the bank", severity="S2")
    for action in ("acknowledge", "resolve"):
        ticket = services.ticket_transition(
            personas.agent,
            ticket=ticket,
            action=action,
            resolution="The bank's new file format is supported from 8.1.3.",
        )
    return ticket


def test_a_customer_answers_the_survey_and_the_agent_sees_it(page, personas, resolved):
    sign_in(page, personas.admin_a)
    page.goto(f"/tickets/{resolved.reference}/")
    survey = page.get_by_test_id("survey")
    expect(survey.get_by_role("heading", name="Customer satisfaction")).to_be_visible()
    assert_accessible(page)

    survey.get_by_text("Good", exact=True).click()
    survey.get_by_label("Anything you would like to tell us? (optional)").fill(
        "Fixed before the payroll run, thank you."
    )
    survey.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Thank you for your answer.")).to_be_visible()
    expect(page.get_by_test_id("survey-rating")).to_contain_text("Rated good")
    expect(page.get_by_test_id("survey-comment")).to_have_text(
        "Fixed before the payroll run, thank you."
    )
    expect(survey.get_by_role("button", name="Update my answer")).to_be_visible()
    assert_accessible(page)

    # The email's one-click link, opened without signing in: recorded at once.
    page.context.clear_cookies()
    page.goto(answer_path(resolved, "bad"))
    expect(page.get_by_test_id("survey-saved")).to_be_visible()
    expect(page.get_by_test_id("survey-rating")).to_contain_text("Rated bad")
    expect(page.get_by_label("Anything you would like to tell us? (optional)")).to_have_value(
        "Fixed before the payroll run, thank you."
    )
    assert_accessible(page)

    # The agent reads it on the ticket, without a form of their own.
    sign_in(page, personas.agent)
    page.goto(f"/tickets/{resolved.reference}/")
    survey = page.get_by_test_id("survey")
    expect(survey.get_by_test_id("survey-rating")).to_contain_text(re.compile("Rated bad"))
    expect(survey.get_by_test_id("survey-comment")).to_have_text(
        "Fixed before the payroll run, thank you."
    )
    expect(survey.get_by_test_id("survey-form")).to_have_count(0)
    assert_accessible(page)
