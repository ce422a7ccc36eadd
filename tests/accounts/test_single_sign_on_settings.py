"""Connecting an organisation's identity provider: its customer administrator on the
Contacts pages (their own organisation's only), the vendor's administrators in the
Django admin. A secret is never shown back."""

import pytest
from allauth.socialaccount.models import SocialApp

from accounts import selectors
from accounts.models import SingleSignOn, SingleSignOnDomain
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/accounts/contacts/single-sign-on/"
SECRET = "s3cret-of-acme-0123456789"


def _form(**changes) -> dict:
    return {
        "name": "Acme sign-in",
        "server_url": "https://login.acme.example/realms/acme",
        "client_id": "helpdesk",
        "secret": SECRET,
        "domains": "Acme.example\nmail.acme.example, acme.example",
        **changes,
    }


def test_a_customer_administrator_connects_their_organisations_provider(client, personas):
    client.force_login(personas.admin_a)
    page = client.get(URL)
    assert page.status_code == 200
    assert "http://testserver/accounts/oidc/org-acme/login/callback/" in page.content.decode()
    answer = client.post(URL, _form(mandatory="on"))
    assert answer.status_code == 302
    connection = SingleSignOn.objects.get(organization=personas.org_a)
    assert connection.mandatory
    assert (connection.app.provider, connection.app.provider_id) == ("openid_connect", "org-acme")
    assert connection.app.settings == {"server_url": "https://login.acme.example/realms/acme"}
    assert connection.app.secret == SECRET
    assert sorted(row.domain for row in connection.domains.all()) == [
        "acme.example",
        "mail.acme.example",
    ]
    assert {row.organization_id for row in connection.domains.all()} == {personas.org_a.pk}


def test_the_secret_is_never_shown_back_and_an_empty_one_keeps_it(client, personas):
    client.force_login(personas.admin_a)
    client.post(URL, _form())
    page = client.get(URL).content.decode()
    assert SECRET not in page
    assert "6789" in page  # the last characters of a long secret say which one is saved
    client.post(URL, _form(secret="", domains="acme.example"))
    connection = SingleSignOn.objects.get(organization=personas.org_a)
    assert connection.app.secret == SECRET
    assert [row.domain for row in connection.domains.all()] == ["acme.example"]


def test_a_domain_of_another_organisation_cannot_be_claimed(client, personas):
    factories.single_sign_on(personas.org_b, domains=("globex.example",))
    client.force_login(personas.admin_a)
    answer = client.post(URL, _form(domains="acme.example\nglobex.example"))
    assert answer.status_code == 200
    assert "globex.example" in answer.context["form"].errors["domains"][0]
    assert not SingleSignOn.objects.filter(organization=personas.org_a).exists()


def test_a_domain_where_people_of_another_organisation_have_addresses_cannot_be_claimed(
    client, personas
):
    factories.customer(personas.org_b, email="bea@shared.example")
    client.force_login(personas.admin_a)
    answer = client.post(URL, _form(domains="shared.example"))
    assert "shared.example" in answer.context["form"].errors["domains"][0]
    staff = client.post(URL, _form(domains="vendor.example"))  # the staff's addresses
    assert "vendor.example" in staff.context["form"].errors["domains"][0]
    assert not SingleSignOnDomain.objects.exists()


def test_the_domains_not_only_the_organisations_are_found_in_two_queries(
    personas, django_assert_num_queries
):
    factories.single_sign_on(personas.org_b, domains=("globex.example",))
    factories.customer(personas.org_b, email="bea@Shared.example")
    factories.customer(personas.org_a, email="ann@acme.example")  # ACME's own: free
    domains = ["acme.example", "globex.example", "shared.example", "vendor.example"]
    domains += [f"free{n}.example" for n in range(40)]
    with django_assert_num_queries(2):
        taken = selectors.domains_not_only_of(organization=personas.org_a, domains=domains)
    assert taken == ["globex.example", "shared.example", "vendor.example"]
    assert selectors.domains_not_only_of(organization=personas.org_a, domains=[]) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("server_url", "http://login.acme.example"),
        ("domains", "not a domain!"),
        ("domains", "alice@acme.example"),
        ("domains", " "),
    ],
)
def test_an_insecure_provider_or_a_malformed_domain_is_refused(client, personas, field, value):
    client.force_login(personas.admin_a)
    answer = client.post(URL, _form(**{field: value}))
    assert answer.status_code == 200 and field in answer.context["form"].errors
    assert not SocialApp.objects.exists()


def test_a_first_connection_needs_its_secret(client, personas):
    client.force_login(personas.admin_a)
    answer = client.post(URL, _form(secret=""))
    assert "secret" in answer.context["form"].errors


def test_a_plain_user_may_not_connect_a_provider(client, personas):
    client.force_login(personas.user_a)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _form()).status_code == 403
    assert not SocialApp.objects.exists()


def test_each_administrator_sees_and_changes_only_their_own_organisations(client, personas):
    factories.single_sign_on(
        personas.org_b, domains=("globex.example",), client_id="globex-client-id"
    )
    client.force_login(personas.admin_a)
    assert "globex-client-id" not in client.get(URL).content.decode()
    client.post(URL, _form())
    globex = SingleSignOn.objects.get(organization=personas.org_b)
    assert globex.app.client_id == "globex-client-id"
    assert [row.domain for row in globex.domains.all()] == ["globex.example"]


def test_the_admin_never_shows_a_providers_secret_and_keeps_it_when_left_empty(client, personas):
    connection = factories.single_sign_on(personas.org_a, domains=("acme.example",))
    app = connection.app
    client.force_login(personas.administrator)
    url = f"/admin/socialaccount/socialapp/{app.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert app.secret not in page.content.decode()
    data = {
        "provider": "openid_connect",
        "provider_id": app.provider_id,
        "name": "Renamed",
        "client_id": app.client_id,
        "secret": "",
        "key": "",
        "settings": '{"server_url": "https://idp.invalid"}',
    }
    assert client.post(url, data).status_code == 302
    app.refresh_from_db()
    assert (app.name, app.secret) == ("Renamed", "client-secret-of-the-tests")


def test_the_admin_lower_cases_domains_and_gives_each_to_one_organisation(client, personas):
    factories.single_sign_on(personas.org_b, domains=("globex.example",))
    app = factories.oidc_app("org-acme")
    client.force_login(personas.administrator)
    data = {
        "organization": personas.org_a.pk,
        "app": app.pk,
        "mandatory": "on",
        "domains-TOTAL_FORMS": "2",
        "domains-INITIAL_FORMS": "0",
        "domains-0-domain": "ACME.Example",
        "domains-1-domain": "GLOBEX.example",
    }
    refused = client.post("/admin/accounts/singlesignon/add/", data)
    assert refused.status_code == 200
    [domains] = refused.context["inline_admin_formsets"]
    assert [form.errors for form in domains.formset.forms][1]["domain"] == [
        "Email domain with this Email domain already exists."
    ]
    assert not SingleSignOn.objects.filter(organization=personas.org_a).exists()
    data["domains-TOTAL_FORMS"] = "1"
    assert client.post("/admin/accounts/singlesignon/add/", data).status_code == 302
    connection = SingleSignOn.objects.get(organization=personas.org_a)
    [domain] = connection.domains.all()
    assert (domain.domain, domain.organization_id) == ("acme.example", personas.org_a.pk)
