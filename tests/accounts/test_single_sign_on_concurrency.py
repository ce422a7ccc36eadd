"""Two customer administrators connecting their organisation's first identity provider at
the same moment, in two real processes on PostgreSQL. Both start while a third
connection holds the organisation's row, so both are inside the service waiting for it
when it lets go. Both succeed, one after the other: the organisation ends with one
connection and one provider (the later one's settings), never a second provider or an
error."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialApp
from django_scopes import scopes_disabled

from accounts.models import SingleSignOn, SingleSignOnDomain
from tests.racing import race

pytestmark = pytest.mark.django_db(transaction=True)

CONNECT = """
import json, sys
import django
django.setup()
from accounts import services
from accounts.models import Organization, User

organization, actor, issuer = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
connection = services.single_sign_on_configure(
    User.objects.get(pk=actor),
    organization=Organization.objects.get(pk=organization),
    name="Company sign-in",
    server_url=issuer,
    client_id="helpdesk",
    secret="a-client-secret-of-the-test",
    domains=["acme.example"],
    mandatory=False,
)
print(json.dumps({"connection": connection.pk, "app": connection.app_id}))
"""


def test_two_administrators_connecting_a_first_provider_at_once_make_one(personas):
    organization = personas.org_a
    issuers = ["https://login.acme.example/one", "https://login.acme.example/two"]
    outcomes = race(
        CONNECT,
        [[str(organization.pk), str(personas.admin_a.pk), issuer] for issuer in issuers],
        hold="SELECT id FROM accounts_organization WHERE id = %s FOR UPDATE",
        params=[organization.pk],
    )

    # Both saved the same connection and the same provider: the second changed the first's.
    assert outcomes[0] == outcomes[1], outcomes
    with scopes_disabled():
        [connection] = SingleSignOn.objects.filter(organization=organization)
        assert list(
            SingleSignOnDomain.objects.filter(single_sign_on=connection).values_list(
                "domain", flat=True
            )
        ) == ["acme.example"]
    [app] = SocialApp.objects.filter(provider="openid_connect")
    assert app.pk == connection.app_id == outcomes[0]["app"]
    assert app.settings["server_url"] in issuers
