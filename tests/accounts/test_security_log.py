"""The security log: sign-ins, failed sign-ins, second factors added and removed and
sessions ended are recorded; administrators read it and export it as CSV."""

import csv
import io

import pytest
from django.test import Client

from accounts.models import SecurityEvent, SecurityEventKind
from tests.accounts.test_sessions import signed_in
from tests.accounts.test_two_factor import totp_code
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def kinds(user) -> list[str]:
    return list(
        SecurityEvent.objects.filter(user=user).order_by("pk").values_list("kind", flat=True)
    )


def test_a_sign_in_is_recorded_with_the_person_their_organisation_and_browser(personas):
    signed_in(personas.user_a, "Firefox on the desk")
    event = SecurityEvent.objects.get(kind=SecurityEventKind.SIGNED_IN)
    assert event.user == personas.user_a and event.organization == personas.org_a
    assert event.email == personas.user_a.email
    assert event.ip_address == "127.0.0.1" and event.user_agent == "Firefox on the desk"


def test_a_failed_sign_in_records_the_address_typed_and_never_the_password(client):
    client.post("/accounts/login/", {"login": "Nobody@Acme.example", "password": "hunter2"})
    event = SecurityEvent.objects.get()
    assert event.kind == SecurityEventKind.SIGN_IN_FAILED
    assert event.email == "nobody@acme.example" and event.user is None
    assert "hunter2" not in str(SecurityEvent.objects.values().get())


def test_a_second_factor_added_and_removed_is_recorded(
    personas, django_capture_on_commit_callbacks
):
    browser = signed_in(personas.user_a)
    browser.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
    secret = browser.get("/accounts/2fa/totp/activate/").context["form"].secret
    # allauth announces a new authenticator once its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    browser.post("/accounts/2fa/totp/deactivate/")
    events = list(
        SecurityEvent.objects.filter(user=personas.user_a, detail="TOTP Authenticator")
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert events == [
        SecurityEventKind.SECOND_FACTOR_ADDED,
        SecurityEventKind.SECOND_FACTOR_REMOVED,
    ]
    assert kinds(personas.user_a)[0] == SecurityEventKind.SIGNED_IN


def test_sessions_signed_out_from_another_are_recorded_with_their_own_browser(personas):
    here = signed_in(personas.user_a, "Here")
    signed_in(personas.user_a, "There")
    here.post("/accounts/sessions/")
    ended = SecurityEvent.objects.get(kind=SecurityEventKind.SESSION_ENDED)
    assert ended.user == personas.user_a and ended.user_agent == "There"


def test_an_administrator_reads_the_log_and_filters_it(client, personas):
    signed_in(personas.user_a)
    Client().post("/accounts/login/", {"login": "intruder@example.com", "password": "x"})
    client.force_login(personas.administrator)
    page = client.get("/accounts/security-log/").content.decode()
    assert personas.user_a.email in page and "intruder@example.com" in page
    page = client.get("/accounts/security-log/", {"kind": "sign_in_failed"}).content.decode()
    assert "intruder@example.com" in page and personas.user_a.email not in page


@pytest.mark.parametrize("role", ["agent", "manager", "admin_a"])
def test_only_administrators_read_the_security_log(client, personas, role):
    client.force_login(getattr(personas, role))
    assert client.get("/accounts/security-log/").status_code == 403
    assert client.get("/accounts/security-log/export/").status_code == 403


def test_the_export_is_a_csv_whose_cells_are_never_formulas(client, personas):
    Client().post("/accounts/login/", {"login": "=1+2@example.com", "password": "x"})
    signed_in(personas.user_a)
    client.force_login(personas.administrator)
    response = client.get("/accounts/security-log/export/", {"kind": "sign_in_failed"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Time (UTC)", "Event", "Email address"]
    assert [row[1:3] for row in rows[1:]] == [["Sign-in failed", "'=1+2@example.com"]]
