"""The agent queue for an agent who reads Hungarian: the page, its live countdowns
(static/js/workspace.js through Django's JavaScript catalog) and the keyboard help are
in Hungarian, and axe still passes."""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.axe import assert_accessible
from tests.conftest import sign_in
from tickets import intake

pytestmark = [
    pytest.mark.browser,
    # The default SLA policies that a flush removes are put back by tests/conftest.py.
    pytest.mark.django_db(transaction=True),
]

HUNGARIAN = ["Várólisták", "Következő átvétele", "Hátralévő idő", "Súlyosság", "Ügyintéző"]
# English words that would give away a string that escaped translation.
ENGLISH = ["Queue", "Severity", "Assignee", "left", "overdue", "Take next", "Time left"]


def test_a_hungarian_agent_reads_the_queue_in_hungarian(page: Page, personas, contracts):
    agent = personas.agent
    agent.language = "hu"
    agent.save(update_fields=["language"])
    # An S3 logged now (days to go) and an S1 three hours old (late): two countdowns.
    for title, severity, ago in (("Nyomtatási hiba", "S3", 0), ("Számlák könyvelése", "S1", 3)):
        with time_machine.travel(timezone.now() - dt.timedelta(hours=ago), tick=False):
            intake.ticket_create(
                personas.admin_a,
                organization=personas.org_a,
                requester=personas.admin_a,
                title=title,
                description="Hibaüzenet: 500.",
                severity=severity,
                business_impact="Leállt a munka.",
            )

    sign_in(page, agent)
    page.goto("/workspace/")

    expect(page.locator("html")).to_have_attribute("lang", "hu")
    main = page.locator("main")
    # The countdowns are rewritten by the script, from the JavaScript catalog.
    countdowns = main.get_by_test_id("countdown")
    expect(countdowns.filter(has_text=re.compile(r"^\s*még \d"))).to_have_count(1)
    expect(countdowns.filter(has_text=re.compile(r"\d+ p késésben\s*$"))).to_have_count(1)
    text = main.text_content() or ""  # hidden text too: what screen readers read
    for word in HUNGARIAN:
        assert word in text, word
    for word in ENGLISH:
        assert not re.search(rf"\b{re.escape(word)}\b", text), word

    page.get_by_role("button", name="Billentyűparancsok").click()
    help_dialog = page.get_by_role("dialog", name="Billentyűparancsok")
    expect(help_dialog).to_contain_text("Az aktuális ügy megnyitása")
    assert not re.search(r"\bticket\b", help_dialog.inner_text())
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    assert_accessible(page)
