"""factory-boy factories for every model the tests build, in one module."""

import datetime as dt

import factory
from allauth.socialaccount.models import SocialApp
from django.utils import timezone

from accounts.models import (
    Invitation,
    MemberRole,
    Membership,
    Organization,
    SingleSignOn,
    SingleSignOnDomain,
    StaffRole,
    User,
)
from sla.models import BusinessCalendar
from surveys.models import Rating, SatisfactionSurvey

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    staff_role = StaffRole.AGENT
    email = factory.Sequence(lambda n: f"agent{n}@vendor.example")


class ManagerFactory(StaffFactory):
    staff_role = StaffRole.MANAGER
    email = factory.Sequence(lambda n: f"manager{n}@vendor.example")


class AdministratorFactory(StaffFactory):
    staff_role = StaffRole.ADMINISTRATOR
    is_staff = True
    is_superuser = True
    email = factory.Sequence(lambda n: f"admin{n}@vendor.example")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Customer {n} Ltd")
    code = factory.Sequence(lambda n: f"ORG{n}")
    timezone = "Europe/Budapest"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = MemberRole.USER


def customer(organization: Organization, *, admin: bool = False, **user_fields) -> User:
    """A customer user of ``organization`` (its administrator when ``admin``)."""
    user = UserFactory(**user_fields)
    MembershipFactory(
        organization=organization,
        user=user,
        role=MemberRole.ADMIN if admin else MemberRole.USER,
    )
    return user


def oidc_app(
    provider_id: str,
    *,
    server_url: str = "https://127.0.0.1:9",  # closed: refused at once, no DNS lookup
    client_id: str = "helpdesk",
    secret: str = "client-secret-of-the-tests",  # noqa: S107 - the tests' own
    name: str = "",
) -> SocialApp:
    """An OpenID Connect provider as allauth knows it (a SocialApp)."""
    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id=provider_id,
        name=name or f"Identity provider {provider_id}",
        client_id=client_id,
        secret=secret,
        settings={"server_url": server_url},
    )


def single_sign_on(
    organization: Organization,
    *,
    domains: tuple[str, ...],
    mandatory: bool = False,
    app: SocialApp | None = None,
    **app_fields,
) -> SingleSignOn:
    """``organization``'s single sign-on through ``app`` (an OpenID Connect provider
    named after the organisation unless given) for these email domains."""
    app = app or oidc_app(f"org-{organization.code.lower()}", **app_fields)
    connection = SingleSignOn.objects.create(
        organization=organization, app=app, mandatory=mandatory
    )
    for domain in domains:
        SingleSignOnDomain.objects.create(
            organization=organization, single_sign_on=connection, domain=domain
        )
    return connection


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory, is_active=False)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


def cadence(
    amount: int = 1, unit: str = "business_days", calendar: str = "Vendor business hours"
) -> dict:
    """An action plan's update cadence, as escalation_accept takes it: once a business
    day on the vendor's calendar (of the default policies' migration) unless told."""
    return {
        "cadence_amount": amount,
        "cadence_unit": unit,
        "cadence_calendar": BusinessCalendar.objects.get(name=calendar),
    }


class SatisfactionSurveyFactory(factory.django.DjangoModelFactory):
    """A survey answer on a ticket (resolved or closed, as the service requires): by its
    requester, in its organisation."""

    class Meta:
        model = SatisfactionSurvey

    ticket = None  # always given: tickets come from intake (tests/conftest.py make_ticket)
    organization = factory.LazyAttribute(lambda survey: survey.ticket.organization)
    respondent = factory.LazyAttribute(lambda survey: survey.ticket.requester)
    rating = Rating.GOOD
    comment = ""


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A small, real PNG image (what a screenshot pasted from the clipboard is)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x33\x66\x99" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
