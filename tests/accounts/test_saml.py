"""SAML 2.0 single sign-on through allauth's SAML provider, against a real identity
provider in a process of its own (pysaml2: tests/accounts/saml_idp.py, the ``saml_idp``
fixture). The help desk's side runs in the Django test client: its sign-in URL sends
the browser to the IdP (HTTP-Redirect), the IdP's page posts the signed Response back
to the assertion consumer service (HTTP-POST), exactly as a browser's form would."""

from __future__ import annotations

import base64
import socket
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.test import Client

from accounts import services
from accounts.models import (
    MemberRole,
    Membership,
    SecurityEvent,
    SecurityEventKind,
    SingleSignOn,
    SingleSignOnDomain,
    User,
)
from accounts.tokens import invitation_tokens
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """The help desk as a browser reaches it by a host name python3-saml accepts in its
    URLs (the test client's own, ``testserver``, is a single label it refuses)."""
    return Client(SERVER_NAME="localhost")


@dataclass
class _Form:
    action: str = ""
    fields: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    """The first form of a page: its action and its inputs' names and values."""

    def __init__(self) -> None:
        super().__init__()
        self.form: _Form | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and self.form is None:
            self.form = _Form(action=attributes.get("action") or "")
        elif tag == "input" and self.form is not None and attributes.get("name"):
            self.form.fields[attributes["name"]] = attributes.get("value") or ""


def _form(page: str) -> _Form:
    parser = _FormParser()
    parser.feed(page)
    assert parser.form is not None, page[:500]
    return parser.form


def saml_app(saml_idp, client, *, slug: str = "acme", name: str = "Acme SSO") -> SocialApp:
    """A SAML SocialApp for the IdP (by its metadata URL), registered with the IdP by the
    help desk's own SP metadata."""
    app = SocialApp.objects.create(
        provider="saml",
        provider_id=f"saml-{slug}",
        name=name,
        client_id=slug,
        settings={
            "idp": {
                "entity_id": saml_idp.entity_id,
                "metadata_url": saml_idp.metadata_url,
                # A busy test machine may take longer than allauth's 10 seconds.
                "metadata_request_timeout": 60,
            },
            "advanced": {"want_assertion_signed": True},
        },
    )
    metadata = client.get(f"/accounts/saml/{slug}/metadata/")
    assert metadata.status_code == 200
    saml_idp.register(metadata.content)
    return app


def idp_response(
    client, app: SocialApp, *, uid: str, email: str, given_name="", surname="", verify=True
):
    """From the help desk's sign-in URL to the IdP's signed Response for the person the
    IdP signs in as ``uid`` with ``email``: the ACS path and the fields its page posts
    (``verify``: how the browser trusts an https IdP)."""
    leave = client.post(f"/accounts/saml/{app.client_id}/login/")
    assert leave.status_code == 302, leave.content[:500]
    idp_url = leave["Location"]
    with httpx.Client(timeout=60, verify=verify) as browser:
        sign_in_page = browser.get(idp_url)
        assert sign_in_page.status_code == 200, sign_in_page.text
        form = _form(sign_in_page.text)
        idp = urlsplit(idp_url)
        posted = browser.post(
            f"{idp.scheme}://{idp.netloc}{form.action}",
            data={
                **form.fields,
                "uid": uid,
                "email": email,
                "given_name": given_name,
                "surname": surname,
            },
        )
        assert posted.status_code == 200, posted.text
    response_form = _form(posted.text)
    acs = urlsplit(response_form.action)
    assert acs.path == f"/accounts/saml/{app.client_id}/acs/"
    return acs.path, response_form.fields


def post_to_acs(client, acs: str, fields: dict[str, str]):
    """The IdP's page posted to the assertion consumer service, and the redirect after it
    followed: the help desk's answer to the assertion."""
    consumed = client.post(acs, fields)
    assert consumed.status_code == 302
    return client.get(consumed["Location"])


def saml_sign_in(client, app: SocialApp, **person):
    """The whole round trip (``idp_response`` then ``post_to_acs``)."""
    return post_to_acs(client, *idp_response(client, app, **person))


def signed_in_user_id(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def saml_connection(saml_idp, client, organization, *, domains, mandatory=False, slug="acme"):
    """``organization``'s single sign-on through a SAML SocialApp of the test IdP."""
    app = saml_app(saml_idp, client, slug=slug, name=f"{organization.name} SSO")
    connection = SingleSignOn.objects.create(
        organization=organization, app=app, mandatory=mandatory
    )
    for domain in domains:
        SingleSignOnDomain.objects.create(
            organization=organization, single_sign_on=connection, domain=domain
        )
    return app


def test_a_linked_person_signs_in_through_the_identity_provider(saml_idp, client, personas):
    app = saml_connection(saml_idp, client, personas.org_a, domains=["acme.example"])
    person = factories.customer(personas.org_a, email="ada@acme.example")
    SocialAccount.objects.create(user=person, provider="saml-acme", uid="ada-1")

    answer = saml_sign_in(client, app, uid="ada-1", email="ada@acme.example")

    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert signed_in_user_id(client) == person.pk
    account = SocialAccount.objects.get(user=person)
    assert account.extra_data["urn:oid:0.9.2342.19200300.100.1.3"] == ["ada@acme.example"]


def test_an_assertion_altered_after_signing_is_refused(saml_idp, client):
    app = saml_app(saml_idp, client)
    org = factories.OrganizationFactory(code="ACME")
    victim = factories.customer(org, email="ada@acme.example")
    SocialAccount.objects.create(user=victim, provider="saml-acme", uid="ada-1")
    acs, fields = idp_response(client, app, uid="eve-9", email="eve@acme.example")
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    assert ">eve-9<" in xml
    fields["SAMLResponse"] = base64.b64encode(xml.replace(">eve-9<", ">ada-1<").encode()).decode()

    answer = post_to_acs(client, acs, fields)

    assert answer.status_code == 401
    assert "signature" in answer.context["saml_last_error_reason"].lower()
    assert signed_in_user_id(client) is None


def test_a_response_posted_again_signs_nobody_in(saml_idp, client, personas):
    app = saml_connection(saml_idp, client, personas.org_a, domains=["acme.example"])
    person = factories.customer(personas.org_a, email="ada@acme.example")
    SocialAccount.objects.create(user=person, provider="saml-acme", uid="ada-1")
    acs, fields = idp_response(client, app, uid="ada-1", email="ada@acme.example")
    post_to_acs(client, acs, fields)
    assert signed_in_user_id(client) == person.pk
    replayer = Client(SERVER_NAME="localhost")

    answer = post_to_acs(replayer, acs, fields)

    assert answer.status_code == 403
    assert signed_in_user_id(replayer) is None


@pytest.mark.parametrize(
    "saml_response",
    [
        "",
        "\x00",
        "not base64!",
        base64.b64encode(b"<not-saml/>").decode(),
        base64.b64encode(b'<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>').decode(),
        "A" * 100_000,
    ],
)
def test_a_malformed_response_is_an_error_page(saml_idp, client, saml_response):
    app = saml_app(saml_idp, client)

    answer = post_to_acs(
        client, f"/accounts/saml/{app.client_id}/acs/", {"SAMLResponse": saml_response}
    )

    assert answer.status_code == 401
    assert signed_in_user_id(client) is None


def test_an_identity_provider_whose_metadata_cannot_be_read_is_an_error_not_a_crash(client):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        unreachable = f"http://127.0.0.1:{closed.getsockname()[1]}/metadata"
    SocialApp.objects.create(
        provider="saml",
        provider_id="saml-down",
        name="Down SSO",
        client_id="down",
        settings={"idp": {"entity_id": unreachable, "metadata_url": unreachable}},
    )

    assert client.post("/accounts/saml/down/login/").status_code == 401
    assert client.get("/accounts/saml/down/metadata/").status_code == 503


# --- An organisation's single sign-on through its SAML identity provider ---------------


def test_the_sign_in_page_sends_the_domains_people_to_the_saml_idp(saml_idp, client, personas):
    saml_connection(saml_idp, client, personas.org_a, domains=["acme.example"])

    answer = client.post("/accounts/sso/", {"login": "Grace@Acme.example"})

    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/saml/acme/login/"


def test_a_first_saml_sign_in_makes_a_plain_user_of_the_connections_organisation(
    saml_idp, client, personas
):
    saml_connection(saml_idp, client, personas.org_b, domains=["globex.example"], slug="globex")
    app = saml_connection(saml_idp, client, personas.org_a, domains=["acme.example"])

    answer = saml_sign_in(
        client, app, uid="grace-7", email="Grace@acme.example", given_name="Grace", surname="Hopper"
    )

    assert answer.status_code == 302
    grace = User.objects.get(email="grace@acme.example")
    assert signed_in_user_id(client) == grace.pk
    assert grace.full_name == "Grace Hopper"
    assert not grace.is_staff and not grace.is_superuser and not grace.staff_role
    assert list(Membership.objects.filter(user=grace).values_list("organization", "role")) == [
        (personas.org_a.pk, MemberRole.USER)
    ]
    assert SocialAccount.objects.get(user=grace).uid == "grace-7"
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.SSO_SIGNED_IN, user=grace).exists()


def test_an_address_of_another_domain_asserted_by_the_saml_idp_is_refused(
    saml_idp, client, personas
):
    saml_connection(saml_idp, client, personas.org_b, domains=["globex.example"], slug="globex")
    app = saml_connection(saml_idp, client, personas.org_a, domains=["acme.example"])
    people = User.objects.count()

    answer = saml_sign_in(client, app, uid="eve-9", email="eve@globex.example")

    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/login/"
    assert signed_in_user_id(client) is None
    assert User.objects.count() == people
    assert not SocialAccount.objects.exists()
    refused = SecurityEvent.objects.get(kind=SecurityEventKind.SSO_REFUSED)
    assert refused.email == "eve@globex.example"
    assert "foreign domain" in refused.detail


def test_an_idp_cannot_sign_in_a_person_of_another_organisation_at_its_own_domain(
    saml_idp, client, personas
):
    """Bob is Globex's, at an acme.example address: Acme's IdP does not make him Acme's."""
    app = saml_connection(saml_idp, client, personas.org_a, domains=["acme.example"])
    bob = factories.customer(personas.org_b, email="bob@acme.example")

    answer = saml_sign_in(client, app, uid="bob-1", email="bob@acme.example")

    assert answer["Location"] == "/accounts/login/"
    assert signed_in_user_id(client) is None
    assert bob.membership.organization == personas.org_b
    assert not SocialAccount.objects.exists()


def test_an_existing_person_is_linked_on_the_first_saml_sign_in_and_it_is_logged(
    saml_idp, client, personas
):
    app = saml_connection(saml_idp, client, personas.org_a, domains=["acme.example"])
    ada = factories.customer(personas.org_a, email="ada@acme.example", full_name="Ada Lovelace")

    saml_sign_in(client, app, uid="ada-1", email="ada@acme.example", given_name="Someone")

    assert signed_in_user_id(client) == ada.pk
    assert SocialAccount.objects.get(user=ada).uid == "ada-1"
    linked = SecurityEvent.objects.get(kind=SecurityEventKind.SSO_LINKED)
    assert (linked.user, linked.detail) == (ada, app.name)
    ada.refresh_from_db()
    assert ada.full_name == "Ada Lovelace"
    assert Membership.objects.filter(user=ada).count() == 1


def test_a_mandatory_saml_connection_refuses_the_password_of_its_domains_people(
    saml_idp, client, personas
):
    app = saml_connection(
        saml_idp, client, personas.org_a, domains=["acme.example"], mandatory=True
    )
    ada = factories.customer(personas.org_a, email="ada@acme.example")

    refused = client.post(
        "/accounts/login/", {"login": "ada@acme.example", "password": factories.DEFAULT_PASSWORD}
    )

    assert refused.status_code == 200
    assert "signs its people in through its identity provider" in refused.content.decode()
    assert signed_in_user_id(client) is None
    saml_sign_in(client, app, uid="ada-1", email="ada@acme.example")
    assert signed_in_user_id(client) == ada.pk


def test_an_invitation_under_a_mandatory_saml_connection_is_accepted_at_the_idp(
    saml_idp, client, personas
):
    app = saml_connection(
        saml_idp, client, personas.org_a, domains=["acme.example"], mandatory=True
    )
    invitation = services.invitation_create(
        personas.admin_a,
        organization=personas.org_a,
        email="ada@acme.example",
        full_name="Ada",
        role=MemberRole.ADMIN,
    )
    link = f"/accounts/invitations/{invitation.public_id}/"
    link += f"{invitation_tokens.make_token(invitation.user)}/"
    leaving = client.post(link)
    assert leaving["Location"] == f"/accounts/saml/{app.client_id}/login/"

    saml_sign_in(client, app, uid="ada-1", email="ada@acme.example")

    ada = User.objects.get(email="ada@acme.example")
    assert signed_in_user_id(client) == ada.pk
    assert ada.is_active and ada.membership.role == MemberRole.ADMIN
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
