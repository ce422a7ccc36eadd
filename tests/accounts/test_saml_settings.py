"""A customer administrator connects their organisation's SAML 2.0 identity provider on
the single sign-on page (its fields typed, or read from its pasted metadata), and its
people then sign in through it: against the real test IdP (tests/accounts/saml_idp.py)
over https, as the page accepts only https addresses."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.test import Client

from accounts.models import MemberRole, Membership, SingleSignOn, SingleSignOnDomain, User
from tests import factories
from tests.accounts.test_saml import idp_response, post_to_acs, signed_in_user_id

pytestmark = pytest.mark.django_db

URL = "/accounts/contacts/single-sign-on/"


@pytest.fixture
def client():
    """A host name python3-saml accepts in its URLs (not the test client's ``testserver``)."""
    return Client(SERVER_NAME="localhost")


def _form(idp, **changes) -> dict:
    return {
        "protocol": "saml",
        "name": "Acme SAML",
        "metadata": "",
        "entity_id": idp.entity_id,
        "sso_url": f"{idp.base}/sso/redirect",
        "certificate": idp.signing_certificate(),
        "domains": "acme.example",
        **changes,
    }


def _body(pem: str) -> str:
    """A certificate as the admin's settings hold it: base64, no BEGIN/END lines."""
    return "".join(line for line in pem.splitlines() if "-----" not in line)


def _saved(answer) -> None:
    assert answer.status_code == 302, answer.context["form"].errors
    assert answer["Location"] == f"{URL}?protocol=saml"


def test_an_administrator_connects_a_saml_idp_and_a_person_of_the_domain_signs_in(
    client, personas, saml_idp_https
):
    idp = saml_idp_https
    client.force_login(personas.admin_a)
    page = client.get(f"{URL}?protocol=saml").content.decode()
    # What to give the IdP: the help desk's entity ID (its metadata URL) and its ACS.
    assert "http://localhost/accounts/saml/acme/metadata/" in page
    assert "http://localhost/accounts/saml/acme/acs/" in page

    _saved(client.post(URL, _form(idp, mandatory="on")))

    connection = SingleSignOn.objects.get(organization=personas.org_a)
    app = connection.app
    assert (app.provider, app.provider_id, app.client_id, app.secret) == (
        "saml",
        "saml-acme",
        "acme",
        "",
    )
    assert app.settings == {
        "idp": {
            "entity_id": idp.entity_id,
            "sso_url": f"{idp.base}/sso/redirect",
            "x509cert": _body(idp.signing_certificate()),
        },
        "advanced": {"want_assertion_signed": True},
    }
    assert connection.mandatory
    assert [row.domain for row in connection.domains.all()] == ["acme.example"]
    page = client.get(URL).content.decode()
    assert "Saved signing certificate: CN=Test identity provider" in page
    assert 'id="protocol-saml"' in page and 'aria-current="page"' in page

    # The IdP's administrator registers the help desk by its metadata URL.
    metadata = client.get("/accounts/saml/acme/metadata/")
    assert metadata.status_code == 200
    idp.register(metadata.content)
    client.logout()
    started = client.post("/accounts/sso/", {"login": "grace@acme.example"})
    assert started["Location"] == "/accounts/saml/acme/login/"
    answer = post_to_acs(
        client,
        *idp_response(
            client,
            app,
            uid="grace-7",
            email="grace@acme.example",
            given_name="Grace",
            surname="Hopper",
            verify=idp.verify,
        ),
    )

    assert answer.status_code == 302, answer.content.decode()[:2000]
    grace = User.objects.get(email="grace@acme.example")
    assert signed_in_user_id(client) == grace.pk
    assert list(Membership.objects.filter(user=grace).values_list("organization", "role")) == [
        (personas.org_a.pk, MemberRole.USER)
    ]


def test_the_idps_pasted_metadata_fills_the_fields(client, personas, saml_idp_https):
    idp = saml_idp_https
    client.force_login(personas.admin_a)

    _saved(
        client.post(
            URL, _form(idp, metadata=idp.metadata(), entity_id="", sso_url="", certificate="")
        )
    )

    idp_settings = SocialApp.objects.get().settings["idp"]
    assert idp_settings["entity_id"] == idp.entity_id
    assert idp_settings["sso_url"] == f"{idp.base}/sso/redirect"
    assert idp_settings["x509cert"] == _body(idp.signing_certificate())


def test_metadata_whose_idp_is_not_https_is_refused_with_the_fields_filled(
    client, personas, saml_idp
):
    """The http test IdP's metadata: read, shown in the fields, its http URL refused."""
    client.force_login(personas.admin_a)

    answer = client.post(
        URL,
        _form(saml_idp, metadata=saml_idp.metadata(), entity_id="", sso_url="", certificate=""),
    )

    assert answer.status_code == 200
    form = answer.context["form"]
    assert list(form.errors) == ["sso_url"]
    assert "https://" in form.errors["sso_url"][0]
    assert f'value="{saml_idp.entity_id}"' in answer.content.decode()
    assert not SocialApp.objects.exists()


NOT_A_CERTIFICATE = (
    "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----"
)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("certificate", NOT_A_CERTIFICATE),
        ("certificate", "hello"),
        ("certificate", "\x00é"),
        ("certificate", "A" * 20_001),
        ("sso_url", "http://idp.acme.example/sso"),
        ("sso_url", "ftp://idp.acme.example/sso"),
        ("sso_url", "javascript:alert(1)"),
        ("sso_url", "https://" + "a" * 600 + ".example/"),
        ("sso_url", ""),
        ("entity_id", ""),
        ("entity_id", "two words"),
        ("entity_id", "x" * 1025),
        ("metadata", "<not-metadata/>"),
        ("metadata", "not xml at all"),
        ("metadata", '<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>'),
        ("metadata", "<a>" * 50_000),
        ("metadata", "x" * 100_001),
        ("domains", "not a domain!"),
        ("domains", ""),
    ],
)
def test_a_bad_value_is_a_form_error(client, personas, saml_idp_https, field, value):
    client.force_login(personas.admin_a)

    answer = client.post(URL, _form(saml_idp_https, **{field: value}))

    assert answer.status_code == 200
    assert field in answer.context["form"].errors, answer.context["form"].errors
    assert not SocialApp.objects.exists()


def test_a_pasted_private_key_is_refused_and_never_shown_back(client, personas, saml_idp_https):
    key = (
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
        "-----END PRIVATE KEY-----"
    )
    client.force_login(personas.admin_a)

    answer = client.post(URL, _form(saml_idp_https, certificate=key))

    assert "private key" in answer.context["form"].errors["certificate"][0]
    assert "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" not in answer.content.decode()
    assert not SocialApp.objects.exists()


def test_a_domain_of_another_organisation_cannot_be_claimed(client, personas, saml_idp_https):
    factories.single_sign_on(personas.org_b, domains=("globex.example",))
    factories.customer(personas.org_b, email="bea@shared.example")
    client.force_login(personas.admin_a)

    for domain in ("globex.example", "shared.example", "vendor.example"):
        answer = client.post(URL, _form(saml_idp_https, domains=f"acme.example\n{domain}"))
        assert domain in answer.context["form"].errors["domains"][0]

    assert not SingleSignOn.objects.filter(organization=personas.org_a).exists()


def test_switching_from_openid_connect_replaces_the_provider_and_its_links(
    client, personas, saml_idp_https
):
    connection = factories.single_sign_on(personas.org_a, domains=("acme.example",))
    erik = factories.customer(personas.org_a, email="erik@acme.example")
    SocialAccount.objects.create(user=erik, provider="org-acme", uid="erik-oidc")
    client.force_login(personas.admin_a)
    page = client.get(f"{URL}?protocol=saml").content.decode()
    assert "saving this form replaces it with a SAML 2.0 identity provider" in page
    assert connection.app.secret not in page

    _saved(client.post(URL, _form(saml_idp_https)))

    app = SingleSignOn.objects.get(organization=personas.org_a).app
    assert app.pk == connection.app.pk
    assert (app.provider, app.provider_id, app.secret) == ("saml", "saml-acme", "")
    assert not SocialAccount.objects.exists()  # linked again by address at next sign-in
    # And back: OpenID Connect needs its secret again.
    back = client.post(
        URL,
        {
            "protocol": "oidc",
            "server_url": "https://login.acme.example",
            "client_id": "helpdesk",
            "secret": "",
            "domains": "acme.example",
        },
    )
    assert "secret" in back.context["form"].errors


def test_editing_keeps_the_links_of_the_same_idp(client, personas, saml_idp_https):
    client.force_login(personas.admin_a)
    _saved(client.post(URL, _form(saml_idp_https)))
    ada = factories.customer(personas.org_a, email="ada@acme.example")
    SocialAccount.objects.create(user=ada, provider="saml-acme", uid="ada-1")

    _saved(client.post(URL, _form(saml_idp_https, name="Renamed", domains="acme.example b.ex")))

    connection = SingleSignOn.objects.get(organization=personas.org_a)
    assert connection.app.name == "Renamed"
    assert [row.domain for row in connection.domains.all()] == ["acme.example", "b.ex"]
    assert SocialAccount.objects.filter(user=ada).exists()


def test_an_administrator_disconnects_the_idp(client, personas, saml_idp_https):
    factories.single_sign_on(personas.org_b, domains=("globex.example",))
    client.force_login(personas.admin_a)
    _saved(client.post(URL, _form(saml_idp_https)))
    ada = factories.customer(personas.org_a, email="ada@acme.example")
    SocialAccount.objects.create(user=ada, provider="saml-acme", uid="ada-1")

    answer = client.post(f"{URL}disconnect/")

    assert answer.status_code == 302
    assert not SingleSignOn.objects.filter(organization=personas.org_a).exists()
    assert not SocialApp.objects.filter(provider="saml").exists()
    assert not SocialAccount.objects.exists()
    assert list(SingleSignOnDomain.objects.values_list("domain", flat=True)) == ["globex.example"]
    assert "disconnected" in client.get(answer["Location"]).content.decode()
    # Nothing left to disconnect: a message, not an error.
    assert client.post(f"{URL}disconnect/").status_code == 302


def test_only_the_organisations_administrator_changes_or_disconnects_it(
    client, personas, saml_idp_https
):
    client.force_login(personas.admin_a)
    _saved(client.post(URL, _form(saml_idp_https)))
    client.force_login(personas.user_a)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _form(saml_idp_https, domains="evil.example")).status_code == 403
    assert client.post(f"{URL}disconnect/").status_code == 403
    client.force_login(personas.admin_b)
    page = client.get(f"{URL}?protocol=saml").content.decode()
    assert saml_idp_https.entity_id not in page and "acme.example" not in page
    assert client.post(f"{URL}disconnect/").status_code == 302  # Globex has none
    connection = SingleSignOn.objects.get(organization=personas.org_a)
    assert [row.domain for row in connection.domains.all()] == ["acme.example"]


def test_a_connection_the_support_team_made_by_its_metadata_url_is_theirs_to_change(
    client, personas, saml_idp
):
    app = SocialApp.objects.create(
        provider="saml",
        provider_id="saml-acme",
        name="Acme SSO",
        client_id="acme",
        settings={
            "idp": {"entity_id": saml_idp.entity_id, "metadata_url": saml_idp.metadata_url},
            "advanced": {"want_assertion_signed": True},
        },
    )
    factories.single_sign_on(personas.org_a, domains=("acme.example",), app=app)
    client.force_login(personas.admin_a)

    page = client.get(URL)
    assert "set up by the support team" in page.content.decode()
    assert client.post(URL, _form(saml_idp, domains="other.example")).status_code == 200
    assert client.post(f"{URL}disconnect/").status_code == 403

    app.refresh_from_db()
    assert "metadata_url" in app.settings["idp"]
    assert SingleSignOn.objects.filter(app=app).exists()


def test_another_saml_provider_with_the_organisations_code_keeps_its_name(
    client, personas, saml_idp_https
):
    SocialApp.objects.create(provider="saml", provider_id="saml-other", client_id="acme")
    client.force_login(personas.admin_a)
    expected = f"acme-{personas.org_a.pk}"
    assert f"/accounts/saml/{expected}/acs/" in client.get(f"{URL}?protocol=saml").content.decode()

    _saved(client.post(URL, _form(saml_idp_https)))

    assert SingleSignOn.objects.get(organization=personas.org_a).app.client_id == expected


@pytest.mark.parametrize("protocol", ["", "ldap", "OIDC", "saml" * 100])
def test_any_protocol_value_is_a_page(client, personas, protocol):
    client.force_login(personas.admin_a)
    assert client.get(URL, {"protocol": protocol}).status_code == 200
    assert client.post(URL, {"protocol": protocol}).status_code == 200


def test_a_connection_whose_saved_certificate_is_unreadable_is_shown_without_it(client, personas):
    """Typed in the admin in the page's own shape, with a certificate that is none."""
    app = SocialApp.objects.create(
        provider="saml",
        provider_id="saml-acme",
        name="Acme SSO",
        client_id="acme",
        settings={
            "idp": {"entity_id": "urn:acme", "sso_url": "https://idp.acme/", "x509cert": "x"},
            "advanced": {"want_assertion_signed": True},
        },
    )
    factories.single_sign_on(personas.org_a, domains=("acme.example",), app=app)
    client.force_login(personas.admin_a)

    page = client.get(URL)

    assert page.status_code == 200
    assert page.context["form"]["certificate"].value() == ""
    assert "Saved signing certificate" not in page.content.decode()
