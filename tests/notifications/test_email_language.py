"""Emails and in-app notifications are written in the recipient's language (their own
choice, else their organisation's default, else the site's), never in the language of
whoever caused them."""

import pytest
from django.core import mail
from django.utils import translation

from accounts.languages import language_of
from notifications.models import Kind, Notification
from tests import factories
from tests.notifications.conftest import sent_to
from tickets import services

pytestmark = pytest.mark.django_db


def test_a_hungarian_customer_gets_the_english_agents_reply_in_hungarian(
    personas, make_ticket, deliver, daytime
):
    personas.admin_a.language = "hu"
    personas.admin_a.save(update_fields=["language"])
    personas.agent.language = "en"
    personas.agent.save(update_fields=["language"])
    with deliver():
        ticket = make_ticket()
    mail.outbox.clear()

    with translation.override("en"), deliver():
        services.ticket_reply(personas.agent, ticket=ticket, body="We are on it.")

    [message] = sent_to(personas.admin_a.email)
    html = message.alternatives[0][0]
    assert message.subject == f"[{ticket.reference}] Agnes Agent válaszolt: {ticket.title}"
    assert "Kedves Alice!" in message.body
    assert "Agnes Agent (ügyfélszolgálat) ezt írta:" in message.body
    assert "Az ügy megnyitása:" in message.body
    assert '<html lang="hu">' in html
    assert "válaszolt" in html or "ezt írta" in html
    for english in ("Hello", "wrote:", "Open the ticket", "Reply to this email"):
        assert english not in message.body
    # The in-app notification is stored as she reads it.
    notification = Notification.objects.get(
        recipient=personas.admin_a, ticket=ticket, kind=Kind.REPLY_ADDED
    )
    assert notification.title == message.subject


def test_the_english_agent_gets_the_hungarian_customers_reply_in_english(
    personas, make_ticket, deliver, daytime
):
    personas.admin_a.language = "hu"
    personas.admin_a.save(update_fields=["language"])
    with deliver():
        ticket = make_ticket()
        services.ticket_assign(personas.agent, ticket=ticket, assignee=personas.agent)
    mail.outbox.clear()

    with translation.override("hu"), deliver():
        services.ticket_reply(personas.admin_a, ticket=ticket, body="Itt a naplófájl.")

    [message] = sent_to(personas.agent.email)
    assert message.subject == f"[{ticket.reference}] Alice Admin replied: {ticket.title}"
    assert "Alice Admin wrote:" in message.body


def test_a_customer_without_a_choice_reads_the_organisations_default_language(personas):
    personas.org_a.default_language = "hu"
    personas.org_a.save(update_fields=["default_language"])

    assert language_of(personas.user_a) == "hu"
    assert language_of(personas.admin_b) == "en"  # Globex has no default: the site's


def test_a_persons_own_choice_wins_over_the_organisations(personas):
    personas.org_a.default_language = "hu"
    personas.org_a.save(update_fields=["default_language"])
    personas.user_a.language = "en"
    personas.user_a.save(update_fields=["language"])

    assert language_of(personas.user_a) == "en"


def test_staff_without_a_choice_read_the_sites_language(personas, settings):
    assert language_of(personas.agent) == settings.LANGUAGE_CODE
    assert language_of(None) == settings.LANGUAGE_CODE
    assert language_of(factories.StaffFactory(language="hu")) == "hu"
