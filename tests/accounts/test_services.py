import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from accounts import services
from accounts.models import MemberRole, User
from notifications import services as notification_services
from notifications.models import PendingEvent
from tests import factories


@pytest.fixture
def captured(django_capture_on_commit_callbacks, mailoutbox):
    """Run on-commit tasks in-process (Celery's eager path) and collect their emails."""
    from helpdesk.celery import app

    app.conf.task_always_eager = True
    yield mailoutbox
    app.conf.task_always_eager = False


def _invite(actor, organization, email="new.person@acme.example", role=MemberRole.USER):
    return services.invitation_create(
        actor, organization=organization, email=email, full_name="New Person", role=role
    )


def test_customer_admin_invites_a_colleague_who_gets_a_one_time_link(
    personas, captured, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(personas.admin_a, personas.org_a, email="New.Person@ACME.example")
    user = invitation.user
    assert user.email == "new.person@acme.example"
    assert not user.is_active and not user.has_usable_password()
    assert user.membership.organization == personas.org_a
    assert len(captured) == 1
    assert captured[0].to == ["new.person@acme.example"]
    assert f"/accounts/invitations/{invitation.public_id}/" in captured[0].body


class RefusingBackend(BaseEmailBackend):
    """The provider, unreachable."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("provider unreachable")


def test_an_invitation_whose_email_fails_is_kept_and_sent_later(
    personas, captured, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "tests.accounts.test_services.RefusingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        invitation = _invite(personas.admin_a, personas.org_a)

    assert captured == []
    event = PendingEvent.objects.get(name="invitation_sent")
    assert event.attempts == 1 and "provider unreachable" in event.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notification_services.event_dispatch(event_id=event.pk, at=timezone.now())
    assert len(captured) == 1
    assert f"/accounts/invitations/{invitation.public_id}/" in captured[0].body
    assert not PendingEvent.objects.exists()


def test_plain_customer_user_cannot_invite(personas):
    with pytest.raises(PermissionDenied):
        _invite(personas.user_a, personas.org_a)


def test_admin_cannot_invite_into_another_organisation(personas):
    with pytest.raises(PermissionDenied):
        _invite(personas.admin_a, personas.org_b)


def test_staff_cannot_create_accounts_through_invitations(personas):
    with pytest.raises(PermissionDenied):
        _invite(personas.agent, personas.org_a)


def test_inviting_one_of_your_own_contacts_again_is_refused(personas):
    with pytest.raises(ValidationError) as error:
        _invite(personas.admin_a, personas.org_a, email=personas.user_a.email.upper())
    assert "already one of your contacts" in str(error.value)


@pytest.mark.parametrize("who", ["admin_b", "agent"])
def test_inviting_an_address_with_an_account_elsewhere_reveals_and_sends_nothing(
    personas, captured, django_capture_on_commit_callbacks, who
):
    existing = getattr(personas, who)
    with django_capture_on_commit_callbacks(execute=True):
        result = _invite(personas.admin_a, personas.org_a, email=existing.email.upper())

    assert result is None
    assert captured == []
    assert not PendingEvent.objects.exists()
    assert User.objects.filter(email__iexact=existing.email).count() == 1


def test_accepting_sets_the_password_and_the_link_works_once(personas):
    invitation = _invite(personas.admin_a, personas.org_a)
    user = services.invitation_accept(invitation=invitation, password="a-strong-pass-99")
    assert user.is_active and user.check_password("a-strong-pass-99")
    with pytest.raises(ValidationError, match="already used"):
        services.invitation_accept(invitation=invitation, password="another-pass-99")


def test_an_expired_invitation_cannot_be_accepted(personas):
    invitation = _invite(personas.admin_a, personas.org_a)
    with (
        time_machine.travel(timezone.now() + dt.timedelta(days=8)),
        pytest.raises(ValidationError, match="expired"),
    ):
        services.invitation_accept(invitation=invitation, password="a-strong-pass-99")


def test_resending_gives_a_new_expiry_and_voids_the_old_link(personas):
    from accounts.tokens import invitation_tokens

    invitation = _invite(personas.admin_a, personas.org_a)
    old_token = invitation_tokens.make_token(invitation.user)
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        resent = services.invitation_resend(personas.admin_a, invitation=invitation)
        assert not resent.is_expired
    user = User.objects.get(pk=invitation.user.pk)
    assert not invitation_tokens.check_token(user, old_token)


def test_the_last_administrator_cannot_be_demoted_or_deactivated(personas):
    other_admin = personas.admin_a
    membership = other_admin.membership
    with pytest.raises(ValidationError, match="at least one active administrator"):
        services.membership_change_role(other_admin, membership=membership, role=MemberRole.USER)
    with pytest.raises(ValidationError, match="own account"):
        services.contact_set_active(other_admin, membership=membership, active=False)


def test_admin_changes_a_contacts_role_and_deactivates_them(personas):
    membership = personas.user_a.membership
    services.membership_change_role(personas.admin_a, membership=membership, role=MemberRole.ADMIN)
    membership.refresh_from_db()
    assert membership.role == MemberRole.ADMIN
    services.contact_set_active(personas.admin_a, membership=membership, active=False)
    assert not User.objects.get(pk=personas.user_a.pk).is_active


def test_admin_cannot_touch_another_organisations_contact(personas):
    with pytest.raises(PermissionDenied):
        services.contact_set_active(
            personas.admin_a, membership=personas.admin_b.membership, active=False
        )


@pytest.mark.parametrize("mandatory", [True, False])
def test_an_address_in_another_organisations_single_sign_on_domain_is_not_invited(
    personas, captured, mandatory
):
    factories.single_sign_on(personas.org_b, domains=("globex.example",), mandatory=mandatory)
    with pytest.raises(ValidationError) as error:
        _invite(personas.admin_a, personas.org_a, email="New.Person@GLOBEX.example")
    assert "another organisation's single sign-on" in str(error.value)
    assert not User.objects.filter(email__iexact="new.person@globex.example").exists()
    assert captured == []


def test_an_address_in_the_organisations_own_single_sign_on_domain_is_invited(personas):
    factories.single_sign_on(personas.org_a, domains=("acme.example",), mandatory=True)
    assert _invite(personas.admin_a, personas.org_a, email="new.person@acme.example")
