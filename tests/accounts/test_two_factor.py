"""Two-factor authentication (allauth.mfa): signing in with a code of an authenticator
app or a recovery code, who must set one up first (staff with STAFF_REQUIRE_MFA, the
people of an organisation that requires it), and keeping the last one."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.services import api_token_create
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = SECRET, at: float | None = None) -> str:
    """The code an authenticator app shows now, computed as allauth checks it."""
    return format_hotp_value(hotp_value(secret, int((at or time.time()) // 30)))


def _password_step(client, user):
    return client.post("/accounts/login/", {"login": user.email, "password": DEFAULT_PASSWORD})


def test_a_person_with_an_authenticator_app_signs_in_with_its_code(client, personas):
    TOTP.activate(personas.user_a, SECRET)
    response = _password_step(client, personas.user_a)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session  # the password alone is not enough
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(personas.user_a.pk)


def test_a_wrong_code_keeps_the_person_out(client, personas):
    TOTP.activate(personas.user_a, SECRET)
    _password_step(client, personas.user_a)
    wrong = f"{(int(totp_code()) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_signs_in_once(client, personas):
    TOTP.activate(personas.user_a, SECRET)
    code = RecoveryCodes.activate(personas.user_a).get_unused_codes()[0]
    _password_step(client, personas.user_a)
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert client.session["_auth_user_id"] == str(personas.user_a.pk)
    client.logout()
    _password_step(client, personas.user_a)
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url", ["/workspace/", "/dashboard/", "/"])
def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, personas, settings, url):
    settings.STAFF_REQUIRE_MFA = True
    client.force_login(personas.manager)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/"
    page = client.get("/accounts/2fa/")
    assert page.status_code == 200
    assert "Set up two-factor authentication to continue" in page.content.decode()


def test_staff_with_a_second_factor_use_the_workspace(client, personas, settings):
    settings.STAFF_REQUIRE_MFA = True
    TOTP.activate(personas.agent, SECRET)
    client.force_login(personas.agent)
    assert client.get("/workspace/").status_code == 200


def test_the_second_factor_is_looked_up_once_a_session(client, personas, settings):
    # The queue and dashboard pages keep their fixed query counts in production too.
    settings.STAFF_REQUIRE_MFA = True
    TOTP.activate(personas.agent, SECRET)
    client.force_login(personas.agent)
    for looked_up in (1, 0):
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/workspace/").status_code == 200
        asked = [q for q in captured.captured_queries if "mfa_authenticator" in q["sql"]]
        assert len(asked) == looked_up


def test_without_the_setting_staff_need_no_second_factor(client, personas, settings):
    settings.STAFF_REQUIRE_MFA = False
    client.force_login(personas.agent)
    assert client.get("/workspace/").status_code == 200


def test_customers_need_none_unless_their_organisation_requires_it(client, personas, settings):
    settings.STAFF_REQUIRE_MFA = True
    client.force_login(personas.user_a)
    assert client.get("/portal/").status_code == 200
    personas.org_a.require_mfa = True
    personas.org_a.save()
    response = client.get("/portal/")
    assert response["Location"] == "/accounts/2fa/"
    # Another organisation's people are not asked.
    client.force_login(personas.admin_b)
    assert client.get("/portal/").status_code == 200


def test_an_api_token_is_not_sent_to_set_up_a_second_factor(client, personas, settings):
    settings.STAFF_REQUIRE_MFA = True
    _token, raw = api_token_create(personas.agent, name="monitor")
    response = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_a_customer_administrator_requires_two_factor_for_their_organisation(client, personas):
    TOTP.activate(personas.admin_a, SECRET)  # else she is sent to set one up herself
    client.force_login(personas.admin_a)
    assert "Require two-factor authentication" in client.get("/accounts/contacts/").content.decode()
    response = client.post("/accounts/contacts/security/", {"require_mfa": "on"})
    assert response["Location"] == "/accounts/contacts/"
    personas.org_a.refresh_from_db()
    personas.org_b.refresh_from_db()
    assert personas.org_a.require_mfa and not personas.org_b.require_mfa
    client.post("/accounts/contacts/security/", {})
    personas.org_a.refresh_from_db()
    assert not personas.org_a.require_mfa


def test_a_plain_user_cannot_require_two_factor(client, personas):
    client.force_login(personas.user_a)
    assert client.post("/accounts/contacts/security/", {"require_mfa": "on"}).status_code == 403
    personas.org_a.refresh_from_db()
    assert not personas.org_a.require_mfa


def test_someone_who_must_use_a_second_factor_keeps_their_last_one(client, personas, settings):
    settings.STAFF_REQUIRE_MFA = True
    TOTP.activate(personas.agent, SECRET)
    _password_step(client, personas.agent)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    # A change of one's second factors asks for the password again first.
    assert client.post("/accounts/2fa/totp/deactivate/")["Location"].startswith(
        "/accounts/reauthenticate/"
    )
    client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 200
    assert Authenticator.objects.filter(user=personas.agent, type="totp").exists()
    settings.STAFF_REQUIRE_MFA = False
    client.post("/accounts/2fa/totp/deactivate/")
    assert not Authenticator.objects.filter(user=personas.agent, type="totp").exists()
