"""An invitation in a real browser, all the way through the emailed link: a customer
administrator invites a colleague, a real Celery worker sends the email (through the
event outbox to anymail's test backend), and the colleague opens the link from that
email in a browser of their own, chooses a password and is signed in."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from tests.conftest import sign_in, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADDRESS = "dora.dev@acme.example"


def _invitation_link() -> str:
    (message,) = [m for m in mail.outbox if m.to == [ADDRESS]]
    match = re.search(r"https?://\S+/accounts/invitations/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def test_invited_colleague_follows_the_emailed_link_and_is_signed_in(
    page, browser, live_server, personas, celery_worker, settings
):
    settings.SITE_URL = live_server.url  # the link in the email points at this server
    sign_in(page, personas.admin_a)
    page.goto("/accounts/contacts/invite/")
    page.get_by_label("Name").fill("Dora Dev")
    page.get_by_label("Email address").fill(ADDRESS)
    page.get_by_role("button", name="Send invitation").click()
    page.wait_for_url("**/accounts/contacts/")

    assert wait_for(lambda: any(m.to == [ADDRESS] for m in mail.outbox), timeout=60)
    link = _invitation_link()
    assert link.startswith(live_server.url)

    # The colleague, in a browser of their own, opens the link from the email.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    errors: list[str] = []
    colleague = context.new_page()
    colleague.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        colleague.goto(link)
        expect(colleague.get_by_role("heading", level=1)).to_have_text("Welcome, Dora Dev")
        colleague.locator("input[name=new_password1]").fill("sunny-harbour-42")
        colleague.locator("input[name=new_password2]").fill("sunny-harbour-42")
        colleague.get_by_role("button", name="Set password and sign in").click()
        expect(
            colleague.get_by_text("Welcome to the Acme Manufacturing help desk.")
        ).to_be_visible()
        assert "/accounts/invitations/" not in colleague.url

        user = User.objects.get(email=ADDRESS)
        assert user.is_active and user.check_password("sunny-harbour-42")

        # The link works once: opened again, it says it was used.
        colleague.context.clear_cookies()
        response = colleague.goto(link)
        assert response is not None and response.status == 410
        expect(colleague.get_by_text("already used")).to_be_visible()
    finally:
        context.close()
    assert not errors, errors
