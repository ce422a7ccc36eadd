"""The webhook and API token pages for a customer administrator who reads Hungarian."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_webhook_and_token_pages_read_in_hungarian(client, personas):
    personas.admin_a.language = "hu"
    personas.admin_a.save(update_fields=["language"])
    client.force_login(personas.admin_a)

    webhooks = client.get(reverse("webhook_list")).content.decode()
    tokens = client.get(reverse("api_token_list")).content.decode()

    for word in ["Webhookok", "Új végpont", "A végpont hozzáadása", "Ügy létrejött"]:
        assert word in webhooks, word
    for word in ["API-tokenek", "Új token", "A token létrehozása", "90 nap múlva"]:
        assert word in tokens, word
    for page in (webhooks, tokens):
        for english in ["New endpoint", "New token", "Ticket created", "in 90 days", "Expires"]:
            assert not re.search(rf">[^<]*\b{re.escape(english)}\b", page), english
