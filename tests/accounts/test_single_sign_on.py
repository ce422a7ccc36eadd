"""Single sign-on through a real OpenID Connect provider (tests.oidc: panva's
oidc-provider, started for the run) and allauth's own views, end to end: the test client
is the person's browser at the help desk, a requests session the same person's at the
provider, where its sign-in and consent forms are filled. Its accounts (tests.oidc.ACCOUNTS)
are Nora (new, of acme.example), Erik (existing), Felix (globex.example), Uma (unverified),
Agnes and Ned (vendor.example) and Carl."""

import datetime as dt
import html
import re
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import MemberRole, SecurityEvent, SecurityEventKind, User
from accounts.tokens import invitation_tokens
from tests import factories
from tests.oidc import ORG_CLIENT, STAFF_CLIENT, oidc_provider

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def oidc_issuer() -> Iterator[str]:
    """The provider's issuer URL; it runs until the end of the run."""
    with oidc_provider("http://testserver") as issuer:
        yield issuer


@pytest.fixture
def acme_sso(personas, oidc_issuer):
    return factories.single_sign_on(
        personas.org_a,
        domains=("acme.example",),
        server_url=oidc_issuer,
        client_id=ORG_CLIENT["client_id"],
        secret=ORG_CLIENT["client_secret"],
        name="Acme sign-in",
    )


@pytest.fixture
def staff_sso(settings, oidc_issuer):
    settings.STAFF_SSO_PROVIDER_ID = "vendor-staff"
    settings.STAFF_SSO_DOMAINS = ["vendor.example"]
    return factories.oidc_app(
        "vendor-staff",
        server_url=oidc_issuer,
        client_id=STAFF_CLIENT["client_id"],
        secret=STAFF_CLIENT["client_secret"],
        name="Vendor staff",
    )


def _through_provider(client, issuer: str, *, address: str, account: str, continue_url=""):
    """Types ``address`` on the sign-in page and chooses single sign-on (or opens
    ``continue_url``), signs in at the provider as ``account`` and consents; the help
    desk's answer to the callback."""
    if not continue_url:
        started = client.post("/accounts/sso/", {"login": address})
        assert started.status_code == 302, started
        continue_url = started["Location"]
    page = client.get(continue_url)
    assert page.status_code == 200
    # The page's form may leave for the provider (the site's own policy allows forms to
    # itself only).
    assert issuer in page["Content-Security-Policy"]
    leaving = client.post(continue_url)
    assert leaving.status_code == 302 and leaving["Location"].startswith(issuer), leaving
    location = leaving["Location"]
    browser = requests.Session()
    for _step in range(12):
        if location.startswith("http://testserver/"):
            return client.get(location.removeprefix("http://testserver"))
        answer = browser.get(location, allow_redirects=False, timeout=10)
        if answer.is_redirect:
            location = urljoin(answer.url, answer.headers["Location"])
            continue
        action = html.unescape(re.search(r'<form[^>]*action="([^"]+)"', answer.text)[1])
        prompt = re.search(r'name="prompt" value="(\w+)"', answer.text)[1]
        fields = {"prompt": prompt}
        if prompt == "login":
            fields |= {"login": account, "password": "the provider's, not ours"}
        answer = browser.post(
            urljoin(answer.url, action), data=fields, allow_redirects=False, timeout=10
        )
        location = urljoin(answer.url, answer.headers["Location"])
    raise AssertionError(f"the provider never sent the browser back: {location}")


def _signed_in_user(client):
    return (
        client.get("/accounts/profile/").context["user"]
        if "_auth_user_id" in (client.session)
        else None
    )


def _events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind))


def test_a_first_sign_in_makes_a_plain_user_of_the_providers_organisation(
    client, personas, acme_sso, oidc_issuer
):
    answer = _through_provider(client, oidc_issuer, address="nora.new@acme.example", account="nora")
    assert answer.status_code == 302 and answer["Location"] == "/"
    nora = User.objects.get(email="nora.new@acme.example")
    assert client.session["_auth_user_id"] == str(nora.pk)
    assert nora.full_name == "Nora New"
    assert nora.membership.organization == personas.org_a
    assert nora.membership.role == MemberRole.USER
    assert (nora.staff_role, nora.is_staff, nora.is_superuser) == ("", False, False)
    assert not nora.has_usable_password()
    [signed_in] = _events(SecurityEventKind.SSO_SIGNED_IN)
    assert signed_in.user == nora and signed_in.organization == personas.org_a
    assert signed_in.detail == "Acme sign-in"
    assert not _events(SecurityEventKind.SIGNED_IN)
    # She sees her organisation's portal, nothing of another's.
    assert client.get("/portal/").status_code == 200

    # Her next sign-in finds the same person.
    client.logout()
    again = _through_provider(client, oidc_issuer, address="nora.new@acme.example", account="nora")
    assert again.status_code == 302
    assert User.objects.filter(email__iexact="nora.new@acme.example").count() == 1
    assert len(_events(SecurityEventKind.SSO_SIGNED_IN)) == 2


def test_a_first_sign_in_decides_the_admission_once(
    client, personas, acme_sso, oidc_issuer, monkeypatch
):
    from accounts import sso

    decided = []
    admit = sso.admit
    monkeypatch.setattr(sso, "admit", lambda **kwargs: decided.append(1) or admit(**kwargs))
    answer = _through_provider(client, oidc_issuer, address="nora.new@acme.example", account="nora")
    assert answer.status_code == 302 and answer["Location"] == "/"
    assert User.objects.filter(email="nora.new@acme.example").exists()
    assert len(decided) == 1


def test_an_existing_person_of_the_organisation_is_linked_and_it_is_logged(
    client, personas, acme_sso, oidc_issuer
):
    erik = factories.customer(personas.org_a, email="erik.existing@acme.example")
    users = User.objects.count()
    answer = _through_provider(client, oidc_issuer, address=erik.email, account="erik")
    assert answer.status_code == 302
    assert client.session["_auth_user_id"] == str(erik.pk)
    assert SocialAccount.objects.get(user=erik).provider == "org-acme"
    [linked] = _events(SecurityEventKind.SSO_LINKED)
    assert linked.user == erik and linked.detail == "Acme sign-in"
    assert User.objects.count() == users  # nobody new
    erik.refresh_from_db()
    assert erik.has_usable_password()  # his password still works where allowed


def test_an_address_outside_the_providers_domains_is_refused_and_nothing_is_made(
    client, personas, acme_sso, oidc_issuer
):
    users = User.objects.count()
    answer = _through_provider(client, oidc_issuer, address="anyone@acme.example", account="felix")
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users
    assert not SocialAccount.objects.exists()
    [refused] = _events(SecurityEventKind.SSO_REFUSED)
    assert refused.email == "felix@globex.example" and "foreign domain" in refused.detail
    page = client.get(answer["Location"])
    assert "felix@globex.example is not one of them" in page.content.decode()


def test_an_address_the_provider_did_not_verify_is_refused(client, personas, acme_sso, oidc_issuer):
    answer = _through_provider(client, oidc_issuer, address="uma@acme.example", account="uma")
    assert answer["Location"] == "/accounts/login/"
    assert not User.objects.filter(email="uma@acme.example").exists()
    assert "no verified address" in _events(SecurityEventKind.SSO_REFUSED)[0].detail


def test_a_person_of_another_organisation_at_the_domain_is_not_taken_over(
    client, personas, acme_sso, oidc_issuer
):
    """An address of the domain that already belongs to another organisation's person
    (or to staff) is neither linked nor moved."""
    carl = factories.customer(personas.org_b, email="carl@acme.example")
    answer = _through_provider(client, oidc_issuer, address=carl.email, account="carl")
    assert answer["Location"] == "/accounts/login/"
    assert not SocialAccount.objects.exists()
    carl.refresh_from_db()
    assert carl.membership.organization == personas.org_b


def test_a_mandatory_provider_refuses_the_password_and_its_reset_for_its_domain(
    client, personas, acme_sso
):
    acme_sso.mandatory = True
    acme_sso.save()
    erik = factories.customer(personas.org_a, email="erik.existing@acme.example")
    answer = client.post(
        "/accounts/login/", {"login": erik.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert answer.status_code == 200
    assert "signs its people in through its identity provider" in answer.content.decode()
    assert "_auth_user_id" not in client.session
    assert _events(SecurityEventKind.SSO_REFUSED)[0].email == erik.email
    reset = client.post("/accounts/password/reset/", {"email": erik.email})
    assert reset.status_code == 200
    assert "signs its people in through its identity provider" in reset.content.decode()
    assert not mail.outbox
    # Another domain's people sign in with their password as before.
    other = client.post(
        "/accounts/login/", {"login": personas.user_a.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert other.status_code == 302


def test_a_provider_that_is_not_mandatory_leaves_the_password_working(client, personas, acme_sso):
    erik = factories.customer(personas.org_a, email="erik.existing@acme.example")
    answer = client.post(
        "/accounts/login/", {"login": erik.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert answer.status_code == 302


def test_failed_passwords_still_lock_an_address_out(client, personas, acme_sso, settings):
    erik = factories.customer(personas.org_a, email="erik.existing@acme.example")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"login": erik.email, "password": "wrong"})
    locked = client.post(
        "/accounts/login/", {"login": erik.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert locked.status_code == 429


def test_an_address_without_single_sign_on_goes_back_to_the_password(client, personas, acme_sso):
    answer = client.post("/accounts/sso/", {"login": "someone@elsewhere.example"})
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/")
    assert "No single sign-on is set up for this address" in page.content.decode()


def test_the_staff_provider_signs_in_existing_staff(client, personas, staff_sso, oidc_issuer):
    agnes = factories.StaffFactory(email="agnes@vendor.example")
    answer = _through_provider(client, oidc_issuer, address=agnes.email, account="agnes")
    assert answer.status_code == 302
    assert client.session["_auth_user_id"] == str(agnes.pk)
    agnes.refresh_from_db()
    assert agnes.staff_role == "agent" and not agnes.is_staff
    assert _events(SecurityEventKind.SSO_LINKED)[0].user == agnes


def test_the_staff_provider_never_makes_staff(client, personas, staff_sso, oidc_issuer):
    users = User.objects.count()
    answer = _through_provider(client, oidc_issuer, address="ned@vendor.example", account="ned")
    assert answer["Location"] == "/accounts/login/"
    assert User.objects.count() == users
    assert "not a staff account" in _events(SecurityEventKind.SSO_REFUSED)[0].detail


def test_an_organisations_provider_cannot_sign_in_staff(
    client, personas, acme_sso, staff_sso, oidc_issuer
):
    """A staff person whose address is at a customer's domain is refused by that
    customer's provider."""
    factories.StaffFactory(email="carl@acme.example")
    answer = _through_provider(client, oidc_issuer, address="carl@acme.example", account="carl")
    assert answer["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_a_provider_cannot_be_connected_to_whoever_is_signed_in(
    client, personas, acme_sso, oidc_issuer
):
    """allauth's "connect" would add Nora's provider account to Bob of Globex."""
    client.force_login(personas.admin_b)
    answer = _through_provider(
        client,
        oidc_issuer,
        address="",
        account="nora",
        continue_url="/accounts/oidc/org-acme/login/?process=connect",
    )
    assert answer["Location"] == "/accounts/login/"
    assert not SocialAccount.objects.exists()
    assert not User.objects.filter(email="nora.new@acme.example").exists()
    assert "not a sign-in" in _events(SecurityEventKind.SSO_REFUSED)[0].detail


# --- An invitation for an address whose single sign-on is mandatory ---------------------


def _invite(personas, email: str, role=MemberRole.ADMIN):
    """Acme's administrator invites ``email``; the invitation and its link."""
    invitation = services.invitation_create(
        personas.admin_a,
        organization=personas.org_a,
        email=email,
        full_name="Invited Person",
        role=role,
    )
    token = invitation_tokens.make_token(invitation.user)
    return invitation, f"/accounts/invitations/{invitation.public_id}/{token}/"


@pytest.fixture
def mandatory_acme_sso(acme_sso):
    acme_sso.mandatory = True
    acme_sso.save()
    return acme_sso


def test_an_invitation_under_a_mandatory_provider_is_accepted_through_it_with_its_role(
    client, personas, mandatory_acme_sso, oidc_issuer
):
    invitation, link = _invite(personas, "erik.existing@acme.example", role=MemberRole.ADMIN)
    page = client.get(link)
    assert page.status_code == 200
    assert "new_password1" not in page.content.decode()
    assert "Continue with Acme sign-in" in page.content.decode()

    leaving = client.post(link)
    assert leaving.status_code == 302
    # Where the sign-in page's "Use single sign-on" sends the address.
    assert (
        leaving["Location"]
        == client.post("/accounts/sso/", {"login": "erik.existing@acme.example"})["Location"]
    )
    answer = _through_provider(
        client, oidc_issuer, address="", account="erik", continue_url=leaving["Location"]
    )

    assert answer.status_code == 302 and answer["Location"] == "/", answer
    erik = User.objects.get(email="erik.existing@acme.example")
    assert client.session["_auth_user_id"] == str(erik.pk)
    assert erik.is_active and not erik.has_usable_password()
    assert erik.membership.organization == personas.org_a
    assert erik.membership.role == MemberRole.ADMIN  # as invited, not a plain user
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert SocialAccount.objects.get(user=erik).provider == "org-acme"
    assert client.get(link).status_code == 410  # used


def test_a_password_posted_for_an_invitation_under_a_mandatory_provider_is_refused(
    client, personas, mandatory_acme_sso
):
    invitation, link = _invite(personas, "erik.existing@acme.example")

    answer = client.post(
        link, {"new_password1": "A-good-passphrase-42", "new_password2": "A-good-passphrase-42"}
    )

    assert answer.status_code == 403
    assert "no password is set here" in answer.content.decode()
    invitation.refresh_from_db()
    invitation.user.refresh_from_db()
    assert invitation.accepted_at is None
    assert not invitation.user.is_active and not invitation.user.has_usable_password()
    assert "_auth_user_id" not in client.session
    [refused] = _events(SecurityEventKind.SSO_REFUSED)
    assert refused.email == "erik.existing@acme.example"
    assert "invitation password" in refused.detail
    # Nor does the service take one, whoever calls it.
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, password="A-good-passphrase-42")


def test_an_invitation_grants_nothing_to_another_address_the_provider_signs_in(
    client, personas, mandatory_acme_sso, oidc_issuer
):
    """Erik's invitation as administrator, but the provider signs Nora in: she comes in
    as herself (a plain user), and Erik's invitation keeps waiting."""
    invitation, link = _invite(personas, "erik.existing@acme.example", role=MemberRole.ADMIN)
    leaving = client.post(link)

    answer = _through_provider(
        client, oidc_issuer, address="", account="nora", continue_url=leaving["Location"]
    )

    assert answer.status_code == 302
    nora = User.objects.get(email="nora.new@acme.example")
    assert client.session["_auth_user_id"] == str(nora.pk)
    assert nora.membership.role == MemberRole.USER
    invitation.refresh_from_db()
    invitation.user.refresh_from_db()
    assert invitation.accepted_at is None and not invitation.user.is_active
    assert "still waiting" in client.get("/", follow=True).content.decode()


def test_an_invitation_under_a_provider_that_is_not_mandatory_keeps_its_password(
    client, personas, acme_sso
):
    invitation, link = _invite(personas, "erik.existing@acme.example")
    assert "new_password1" in client.get(link).content.decode()

    answer = client.post(
        link, {"new_password1": "A-good-passphrase-42", "new_password2": "A-good-passphrase-42"}
    )

    assert answer.status_code == 302
    invitation.user.refresh_from_db()
    assert invitation.user.is_active and invitation.user.has_usable_password()
    assert client.session["_auth_user_id"] == str(invitation.user.pk)


def test_an_invitation_that_expired_at_the_provider_signs_nobody_in(
    client, personas, mandatory_acme_sso, oidc_issuer
):
    invitation, link = _invite(personas, "erik.existing@acme.example")
    leaving = client.post(link)
    invitation.expires_at = timezone.now() - dt.timedelta(minutes=1)
    invitation.save()

    answer = _through_provider(
        client, oidc_issuer, address="", account="erik", continue_url=leaving["Location"]
    )

    assert answer["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    assert "This invitation has expired." in client.get("/accounts/login/").content.decode()
    invitation.user.refresh_from_db()
    assert not invitation.user.is_active
    assert not SocialAccount.objects.exists()
