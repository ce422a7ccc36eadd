"""Two customer administrators connecting their organisation's first identity provider at
the same moment, in two real processes on PostgreSQL. Both start while a third
connection holds the organisation's row, so both are inside the service waiting for it
when it lets go. Both succeed, one after the other: the organisation ends with one
connection and one provider (the later one's settings), never a second provider or an
error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from allauth.socialaccount.models import SocialApp
from django_scopes import scopes_disabled

from accounts.models import SingleSignOn, SingleSignOnDomain
from tests.notifications.conftest import worker_database_url

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]

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


def _waiting_for_locks(connection) -> int:
    row = connection.execute(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    ).fetchone()
    return row[0]


def test_two_administrators_connecting_a_first_provider_at_once_make_one(personas):
    organization = personas.org_a
    environment = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    issuers = ["https://login.acme.example/one", "https://login.acme.example/two"]
    with psycopg.connect(worker_database_url()) as blocker:
        blocker.execute(
            "SELECT id FROM accounts_organization WHERE id = %s FOR UPDATE", [organization.pk]
        )
        with psycopg.connect(worker_database_url(), autocommit=True) as observer:
            processes = [
                subprocess.Popen(  # noqa: S603 - this interpreter, our own script
                    [
                        sys.executable,
                        "-c",
                        CONNECT,
                        str(organization.pk),
                        str(personas.admin_a.pk),
                        issuer,
                    ],
                    cwd=ROOT,
                    env=environment,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for issuer in issuers
            ]
            deadline = time.monotonic() + 120
            while _waiting_for_locks(observer) < 2:
                assert time.monotonic() < deadline, "the two connections never waited together"
                assert all(p.poll() is None for p in processes), [
                    p.communicate() for p in processes
                ]
                time.sleep(0.05)
        blocker.commit()
    outcomes = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert "Traceback" not in err, err
        outcomes.append(json.loads(out.strip().splitlines()[-1]))

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
