import pytest
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from accounts import services
from accounts.models import MemberRole, Membership
from accounts.tokens import invitation_tokens

pytestmark = pytest.mark.django_db


def test_contact_list_shows_only_the_admins_organisation(client, personas):
    client.force_login(personas.admin_a)
    body = client.get("/accounts/contacts/").content.decode()
    assert personas.user_a.email in body
    assert personas.admin_b.email not in body


def test_plain_user_gets_403_on_contacts(client, personas):
    client.force_login(personas.user_a)
    assert client.get("/accounts/contacts/").status_code == 403


def test_contact_of_another_organisation_is_a_404(client, personas):
    client.force_login(personas.admin_a)
    response = client.post(f"/accounts/contacts/{personas.admin_b.membership.pk}/deactivate/")
    assert response.status_code == 404


def test_invite_form_shows_errors_beside_the_field_and_keeps_the_input(client, personas):
    client.force_login(personas.admin_a)
    response = client.post(
        "/accounts/contacts/invite/",
        {"full_name": "Dora Dev", "email": "not-an-email", "role": MemberRole.USER},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter a valid email address." in body
    assert 'value="Dora Dev"' in body and 'value="not-an-email"' in body


def test_invited_contact_sets_a_password_and_is_signed_in(client, personas):
    invitation = services.invitation_create(
        personas.admin_a,
        organization=personas.org_a,
        email="dora@acme.example",
        full_name="Dora Dev",
        role=MemberRole.USER,
    )
    token = invitation_tokens.make_token(invitation.user)
    url = f"/accounts/invitations/{invitation.public_id}/{token}/"
    response = client.post(
        url, {"new_password1": "sunny-harbour-42", "new_password2": "sunny-harbour-42"}
    )
    assert response.status_code == 302
    assert client.get("/portal/").context["user"].email == "dora@acme.example"
    # The same link again says it was used, and offers to sign in.
    client.logout()
    response = client.get(url)
    assert response.status_code == 410
    assert "already used" in response.content.decode()


def test_expired_invitation_link_says_so_and_whom_to_ask(client, personas, settings):
    import datetime as dt

    from django.utils import timezone

    invitation = services.invitation_create(
        personas.admin_a,
        organization=personas.org_a,
        email="late@acme.example",
        full_name="Late Comer",
        role=MemberRole.USER,
    )
    token = invitation_tokens.make_token(invitation.user)
    invitation.expires_at = timezone.now() - dt.timedelta(minutes=1)
    invitation.save()
    response = client.get(f"/accounts/invitations/{invitation.public_id}/{token}/")
    assert response.status_code == 410
    body = response.content.decode()
    assert "expired" in body and personas.admin_a.email in body


def test_a_scoped_query_outside_any_scope_fails_closed(personas):
    from django_scopes import scopes_disabled  # noqa: F401 - the autouse fixture disables

    with scope(organization=None), pytest.raises(ScopeError):
        # Re-entering a scope without the organisation dimension: the manager refuses.
        from django_scopes.state import state

        token = state.set({"_enabled": True})
        try:
            list(Membership.objects.all())
        finally:
            state.reset(token)


def test_customer_queries_are_filtered_to_their_organisation(personas):
    with scope(organization=personas.org_a):
        emails = set(Membership.objects.values_list("user__email", flat=True))
    assert personas.admin_a.email in emails and personas.admin_b.email not in emails


def test_repeated_wrong_passwords_lock_the_sign_in(client, personas, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"login": personas.user_a.email, "password": "wrong"})
    response = client.post(
        "/accounts/login/",
        {"login": personas.user_a.email, "password": "correct-horse-battery-staple"},
    )
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()


def test_password_reset_sends_an_email_with_a_link(client, personas, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": personas.user_a.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/" in mailoutbox[0].body


def test_inviting_an_address_of_another_organisation_answers_as_for_a_new_one(client, personas):
    """Whether an address has an account in another tenant is not the admin's to know."""
    client.force_login(personas.admin_a)
    answers = []
    for email in ("dora@acme.example", personas.admin_b.email):
        response = client.post(
            "/accounts/contacts/invite/",
            {"full_name": "Dora Dev", "email": email, "role": MemberRole.USER},
            follow=True,
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "already has an account" not in body
        answers.append(body.replace(email, "ADDRESS"))
    assert "If ADDRESS can be invited, an invitation is on its way." in answers[0]
    assert "If ADDRESS can be invited, an invitation is on its way." in answers[1]


def test_invitation_is_accepted_by_a_visitor_outside_any_organisation_scope(client, personas):
    """The invited person has no organisation yet, so the request runs in no scope; the
    autouse fixture disables scopes for test bodies, so enforce them around the request."""
    invitation = services.invitation_create(
        personas.admin_a,
        organization=personas.org_a,
        email="eve@acme.example",
        full_name="Eve Early",
        role=MemberRole.USER,
    )
    token = invitation_tokens.make_token(invitation.user)
    url = f"/accounts/invitations/{invitation.public_id}/{token}/"
    with scope():  # scopes on, no organisation: as for an anonymous visitor in production
        response = client.post(
            url, {"new_password1": "sunny-harbour-42", "new_password2": "sunny-harbour-42"}
        )
    assert response.status_code == 302
    invitation.user.refresh_from_db()
    assert invitation.user.is_active
