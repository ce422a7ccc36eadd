"""Users, organisations (the tenants), memberships and invitations.

A customer user belongs to exactly one organisation through a Membership, which gives
their role there. Vendor staff have a ``staff_role`` and no membership.
"""

import uuid
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from phonenumber_field.modelfields import PhoneNumberField

TIMEZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


def language_choices() -> list[tuple[str, str]]:
    """The languages of the help desk (settings.LANGUAGES), read when a form asks."""
    return list(settings.LANGUAGES)


def validate_timezone(value: str) -> None:
    if value and value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone.") % {"value": value})


class StaffRole(models.TextChoices):
    AGENT = "agent", _("Agent")
    SPECIALIST = "specialist", _("Specialist")
    MANAGER = "manager", _("Manager")
    ADMINISTRATOR = "administrator", _("Administrator")


class MemberRole(models.TextChoices):
    ADMIN = "admin", _("Customer administrator")
    USER = "user", _("Customer user")


# The vendor's staff who can still sign in: the assignee lists and pickers read them by
# this one condition, which user_active_staff_idx (below) is partial on, so that they
# read the index.
ACTIVE_STAFF = ~models.Q(staff_role="") & models.Q(is_active=True)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def active_staff(self) -> models.QuerySet["User"]:
        return self.filter(ACTIVE_STAFF)

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        if not email:
            raise ValueError("Users sign in with an email address, so one is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("staff_role", StaffRole.ADMINISTRATOR)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(max_length=150)
    # Shown to the agents working the person's tickets; stored in E.164 (+3612345678).
    phone = PhoneNumberField(
        _("phone"),
        blank=True,
        help_text=_("In international form, with the country code: +36 1 234 5678."),
    )
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_("Times are shown in this zone; empty means the organisation's."),
    )
    language = models.CharField(
        max_length=10,
        blank=True,
        choices=language_choices,
        help_text=_(
            "Pages and emails are in this language; empty means the organisation's "
            "default, else the browser's."
        ),
    )
    staff_role = models.CharField(
        max_length=20,
        choices=StaffRole.choices,
        blank=True,
        help_text=_("Set for vendor staff only; customers have a membership instead."),
    )
    is_active = models.BooleanField(default=True)
    # Django admin access (administrators); independent of staff_role.
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            # Sign-in is case-insensitive, so two spellings of one address are one user.
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        indexes = [
            # The staff by name (the assignee lists and pickers on every ticket page and
            # queue): a few dozen people among thousands of customers, whom a scan of
            # the table read every time (2.7 ms of the ticket page at 20,000 users).
            models.Index(
                fields=["full_name"],
                condition=ACTIVE_STAFF,
                name="user_active_staff_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_vendor_staff(self) -> bool:
        return bool(self.staff_role)


class Team(models.Model):
    """A group of vendor staff who look after a set of customers (their account team):
    the "my team's" queue of the workspace, and who hears of an unassigned ticket."""

    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="teams",
        blank=True,
        limit_choices_to=~models.Q(staff_role=""),
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    code = models.CharField(
        max_length=10,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9]{2,10}$",
                _("Use 2 to 10 upper-case letters or digits, such as ACME."),
            )
        ],
        help_text=_("Short code used in ticket references, such as ACME in ACME-1042."),
    )
    timezone = models.CharField(
        max_length=64, default="Europe/Budapest", validators=[validate_timezone]
    )
    default_language = models.CharField(
        max_length=10,
        blank=True,
        choices=language_choices,
        help_text=_(
            "The language of its people who have not chosen one; empty means each browser's."
        ),
    )
    require_mfa = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_(
            "Everyone of the organisation sets up a second factor (an authenticator app "
            "or a security key) before they can use the help desk."
        ),
    )
    cem = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Client Engagement Manager"),
        on_delete=models.PROTECT,
        related_name="engaged_organizations",
        limit_choices_to={"staff_role__in": [StaffRole.MANAGER, StaffRole.ADMINISTRATOR]},
        null=True,
        blank=True,
    )
    support_team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="organizations",
        help_text=_("The staff team that looks after this customer."),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Membership(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(max_length=10, choices=MemberRole.choices, default=MemberRole.USER)
    created_at = models.DateTimeField(default=now)

    objects: models.Manager["Membership"] = ScopedManager(organization="organization")

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} of {self.organization.code}"

    @property
    def is_admin(self) -> bool:
        return self.role == MemberRole.ADMIN


class Invitation(models.Model):
    """An invited contact who has not chosen a password yet.

    The link carries a token from :mod:`accounts.tokens`, derived from the user's state
    like Django's password-reset tokens: it is never stored, stops working once the
    password is set (one-time), and expires with ``expires_at``.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitation"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects: models.Manager["Invitation"] = ScopedManager(organization="organization")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.user.email}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= now()


domain_validator = RegexValidator(
    # Labels of letters, digits and hyphens (internationalised names in their xn-- form),
    # at least two of them: example.com, mail.example.co.uk.
    r"(?i)^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$",
    _("Enter a domain name such as example.com, without @ or spaces."),
)


class SingleSignOn(models.Model):
    """An organisation's single sign-on: its identity provider, an allauth SocialApp of
    any protocol (OpenID Connect's "openid_connect", SAML's "saml"), and the email
    domains whose people sign in through it (accounts.sso routes them). ``mandatory``
    refuses those people's passwords."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="single_sign_on"
    )
    app = models.OneToOneField(
        "socialaccount.SocialApp",
        verbose_name=_("identity provider"),
        on_delete=models.PROTECT,
        related_name="single_sign_on",
    )
    mandatory = models.BooleanField(
        _("mandatory"),
        default=False,
        help_text=_(
            "People of these domains sign in only through the identity provider: their "
            "passwords are refused, and so are password resets."
        ),
    )
    created_at = models.DateTimeField(default=now)

    objects: models.Manager["SingleSignOn"] = ScopedManager(organization="organization")

    class Meta:
        verbose_name = _("single sign-on")
        verbose_name_plural = _("single sign-on connections")

    def __str__(self) -> str:
        return f"{self.organization.code} · {self.app.name}"


class SingleSignOnDomain(models.Model):
    """An email domain that signs in through one organisation's identity provider: a
    domain is one organisation's at most (unique), stored lower-case."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    single_sign_on = models.ForeignKey(
        SingleSignOn, on_delete=models.CASCADE, related_name="domains"
    )
    domain = models.CharField(
        _("email domain"), max_length=253, unique=True, validators=[domain_validator]
    )

    objects: models.Manager["SingleSignOnDomain"] = ScopedManager(organization="organization")

    class Meta:
        ordering = ["domain"]
        verbose_name = _("email domain")

    def __str__(self) -> str:
        return self.domain

    def clean(self) -> None:
        super().clean()
        self.domain = self.domain.strip().lower()
        if self.domain in settings.STAFF_SSO_DOMAINS:
            raise ValidationError(
                {"domain": _("This domain signs in the support team: it cannot be a customer's.")}
            )
        if self.single_sign_on_id:
            self.organization_id = self.single_sign_on.organization_id


class SecurityEventKind(models.TextChoices):
    SIGNED_IN = "signed_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    SECOND_FACTOR_ADDED = "second_factor_added", _("Second factor added")
    SECOND_FACTOR_REMOVED = "second_factor_removed", _("Second factor removed")
    SESSION_ENDED = "session_ended", _("Session ended")
    SSO_LINKED = "sso_linked", _("SSO linked")
    SSO_SIGNED_IN = "sso_signed_in", _("SSO sign-in")
    SSO_REFUSED = "sso_refused", _("SSO refused")


class SecurityEvent(models.Model):
    """One security-relevant event of sign-in (accounts.audit), for the administrators'
    security log. Not tenant-scoped on purpose: a failed sign-in is written before
    anyone is known, and only the vendor's administrators read the log; the person's
    organisation is copied onto the row for filtering."""

    kind = models.CharField(max_length=30, choices=SecurityEventKind.choices)
    created_at = models.DateTimeField(default=now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="security_events",
    )
    # The address as typed at a failed sign-in (there may be no such person).
    email = models.CharField(max_length=254, blank=True)
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    # What it was about: the kind of second factor, the browser of an ended session.
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The security log, newest first (accounts.selectors.security_event_list).
            models.Index(fields=["-created_at"], name="security_event_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.email} · {self.created_at:%Y-%m-%d %H:%M}"
