from allauth.account.forms import LoginForm
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import (
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.core.validators import URLValidator
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from accounts import saml_settings, selectors
from accounts.models import (
    TIMEZONE_CHOICES,
    MemberRole,
    SecurityEventKind,
    domain_validator,
    language_choices,
)
from accounts.services import security_event_record
from core.html import LongSelect
from core.text_limits import up_to


def _refuse_password_of_mandatory_sign_on(email: str, *, request, what: str) -> None:
    """A person of a domain whose single sign-on is mandatory has no password here:
    refused before any password is checked (so nothing counts towards a lock-out)."""
    single_sign_on = selectors.mandatory_sign_on_for_email(email=email)
    if single_sign_on is None:
        return
    security_event_record(
        kind=SecurityEventKind.SSO_REFUSED,
        email=email,
        request=request,
        detail=f"{single_sign_on.app.name}: mandatory, {what}",
    )
    raise forms.ValidationError(
        _(
            "%(organization)s signs its people in through its identity provider: "
            "choose “Use single sign-on”."
        )
        % {"organization": single_sign_on.organization.name},
        code="single_sign_on_mandatory",
    )


class SubmitHelperMixin:
    """Gives a form a crispy helper with one primary submit button."""

    submit_label: str | Promise = _("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.build_helper()

    def build_helper(self) -> None:
        """Again after fields were added or reordered: the layout lists them."""
        self.helper = FormHelper(self)
        self.helper.add_input(Submit("submit", self.submit_label))


def masked_secret(secret: str) -> str:
    """A saved secret as forms show it: never in full, its last characters only when it
    is long enough that they give nothing away."""
    if not secret:
        return ""
    return "••••••" + (secret[-4:] if len(secret) >= 16 else "")


class SecretField(forms.CharField):
    """A client secret: typed, never shown back; empty keeps the saved one (the form's
    clean says which)."""

    def __init__(self, *, current: str = "", **kwargs) -> None:
        kwargs.setdefault("label", _("Client secret"))
        kwargs.setdefault("max_length", 191)
        super().__init__(
            required=not current,
            widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
            help_text=(
                _("Saved (%(masked)s). Leave empty to keep it.")
                % {"masked": masked_secret(current)}
                if current
                else ""
            ),
            **kwargs,
        )


class SignInForm(SubmitHelperMixin, LoginForm):
    """allauth's sign-in form (its field ``login`` holds the email address), in our
    words; allauth's view signs the person in, or asks for their second factor."""

    submit_label = _("Sign in")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].widget = forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "username webauthn"}
        )
        self.fields["login"].label = _("Email address")
        self.fields["password"].label = _("Password")
        # allauth's field adds a "forgot" link; the page has its own under the form.
        self.fields["password"].help_text = ""
        self.build_helper()

    def build_helper(self) -> None:
        super().build_helper()
        # The sign-in page's "Use single sign-on" button submits this form to
        # accounts.views.sso_start.
        self.helper.form_id = "sign_in"

    def clean_login(self):
        return self.cleaned_data["login"].strip().lower()

    def clean(self):
        login = self.cleaned_data.get("login")
        if login:
            _refuse_password_of_mandatory_sign_on(login, request=self.request, what="password")
        return super().clean()


class SingleSignOnStartForm(forms.Form):
    """The sign-in form's address, sent to "Use single sign-on" (its password ignored)."""

    login = forms.EmailField(max_length=254)

    def email(self) -> str:
        return self.cleaned_data["login"].strip().lower()


class ResetPasswordForm(SubmitHelperMixin, PasswordResetForm):
    submit_label = _("Send the reset link")

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        _refuse_password_of_mandatory_sign_on(email, request=None, what="password reset")
        return email


class ChangePasswordForm(SubmitHelperMixin, PasswordChangeForm):
    submit_label = _("Change password")


class ChoosePasswordForm(SubmitHelperMixin, SetPasswordForm):
    submit_label = _("Set password")


class InviteContactForm(SubmitHelperMixin, forms.Form):
    submit_label = _("Send invitation")

    full_name = forms.CharField(max_length=150, label=_("Name"))
    email = forms.EmailField(label=_("Email address"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=MemberRole.choices,
        initial=MemberRole.USER,
        help_text=_(
            "Administrators see every ticket of the organisation and manage contacts; "
            "users see the tickets they opened or are copied on."
        ),
    )

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class ContactRoleForm(forms.Form):
    role = forms.ChoiceField(choices=MemberRole.choices)


class OrganizationSecurityForm(SubmitHelperMixin, forms.Form):
    submit_label = _("Save")

    require_mfa = forms.BooleanField(
        label=_("Require two-factor authentication"),
        required=False,
        help_text=_(
            "Everyone of your organisation sets up an authenticator app or a security key "
            "before they can use the help desk; those who have none are asked at their "
            "next page."
        ),
    )

    def build_helper(self) -> None:
        super().build_helper()
        self.helper.form_action = "organization_security"


class AcceptInvitationForm(SubmitHelperMixin, SetPasswordForm):
    submit_label = _("Set password and sign in")


def axes_username(request, credentials=None) -> str:
    """The address a sign-in attempt was for, as django-axes counts failures: lower-cased,
    so that ALICE@example.com and alice@example.com share one lockout. allauth passes it
    as ``email`` (its form's field is ``login``); Django's own forms as ``username``."""
    credentials = credentials or {}
    value = (
        credentials.get("email")
        or credentials.get("username")
        or request.POST.get("login")
        or request.POST.get("username", "")
    )
    return str(value).strip().lower()


class ProfileForm(SubmitHelperMixin, forms.Form):
    submit_label = _("Save profile")

    full_name = forms.CharField(max_length=150, label=_("Name"))
    phone = PhoneNumberField(
        label=_("Phone"),
        required=False,
        help_text=_(
            "Agents working your tickets see it. In international form, with the country "
            "code: +36 1 234 5678."
        ),
    )
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Every date and time in the help desk is shown in this zone."),
        widget=LongSelect,
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("The help desk's pages and your emails are in this language."),
    )

    def __init__(self, *args, default_label: str, default_language_label: str, **kwargs):
        """``default_label`` names the zone used when none is chosen,
        ``default_language_label`` the language."""
        super().__init__(*args, **kwargs)
        language_field = self.fields["language"]
        assert isinstance(language_field, forms.ChoiceField)
        language_field.choices = [("", default_language_label), *language_choices()]
        timezone_field = self.fields["timezone"]
        assert isinstance(timezone_field, forms.ChoiceField)
        timezone_field.choices = [
            ("", default_label),
            *TIMEZONE_CHOICES,
        ]
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"


class SecurityLogFilterForm(forms.Form):
    """The security log's filters (GET): a kind of event, part of an address."""

    kind = forms.ChoiceField(
        label=_("Event"),
        required=False,
        choices=[("", _("Every event")), *SecurityEventKind.choices],
    )
    q = forms.CharField(label=_("Email address contains"), required=False, max_length=254)

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {"kind": "", "query": ""}
        return {"kind": self.cleaned_data["kind"], "query": self.cleaned_data["q"].strip()}


class SingleSignOnBaseForm(SubmitHelperMixin, forms.Form):
    """What every protocol's single sign-on has: a name, the email domains (one per line,
    or separated by commas or spaces, lower-cased) and whether it is the only way in.
    ``protocol`` (hidden) says which form a POST is for."""

    protocol_id = ""

    protocol = forms.CharField(widget=forms.HiddenInput, required=False, max_length=10)
    name = forms.CharField(
        label=_("Name shown at sign-in"),
        max_length=40,
        required=False,
        help_text=_("Such as “Acme sign-in”; empty means your organisation's name."),
    )
    domains = forms.CharField(
        label=_("Email domains"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "The domains of your people's addresses, one per line, such as example.com. "
            "Only these addresses may sign in through the provider."
        ),
    )
    mandatory = forms.BooleanField(
        label=_("Single sign-on only"),
        required=False,
        help_text=_(
            "People of these domains sign in only through the provider: their passwords "
            "and password resets are refused."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["protocol"] = self.protocol_id

    def clean_protocol(self) -> str:
        return self.protocol_id

    def clean_domains(self) -> list[str]:
        raw = self.cleaned_data["domains"].replace(",", " ").split()
        domains = sorted({domain.strip().lower() for domain in raw})
        for domain in domains:
            try:
                domain_validator(domain)
            except forms.ValidationError:
                raise forms.ValidationError(
                    _("“%(domain)s” is not a domain name such as example.com.")
                    % {"domain": domain[:100]}
                ) from None
        if not domains:
            raise forms.ValidationError(_("Enter at least one email domain."))
        return domains


class SingleSignOnForm(SingleSignOnBaseForm):
    """A customer administrator's OpenID Connect identity provider."""

    protocol_id = "oidc"

    server_url = forms.URLField(
        label=_("Issuer URL"),
        max_length=200,
        assume_scheme="https",
        help_text=_(
            "The provider's address, where its /.well-known/openid-configuration is "
            "found, such as https://login.example.com/realms/acme."
        ),
    )
    client_id = forms.CharField(label=_("Client ID"), max_length=191)

    def __init__(self, *args, current_secret: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["secret"] = SecretField(current=current_secret)
        self.order_fields(
            ["protocol", "name", "server_url", "client_id", "secret", "domains", "mandatory"]
        )
        self.build_helper()

    def clean_server_url(self) -> str:
        url = self.cleaned_data["server_url"]
        if not url.startswith("https://"):
            raise forms.ValidationError(_("The provider's address must start with https://."))
        return url.rstrip("/")


class SamlSingleSignOnForm(SingleSignOnBaseForm):
    """A customer administrator's SAML 2.0 identity provider: its entity ID, single
    sign-on URL and signing certificate, typed or read from its metadata (pasted: the
    server fetches nothing), whose values then replace the typed ones."""

    protocol_id = "saml"

    metadata = forms.CharField(
        label=_("Identity provider's metadata (XML)"),
        required=False,
        max_length=100_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=format_lazy(
            "{} {}",
            _(
                "Paste the metadata document your identity provider publishes to fill in "
                "the three fields below from it, or leave this empty and fill them in "
                "yourself."
            ),
            up_to(100_000),
        ),
    )
    entity_id = forms.CharField(
        label=_("Identity provider's entity ID"),
        required=False,
        max_length=1024,
        help_text=format_lazy(
            "{} {}",
            _("Its issuer, such as https://idp.example.com/saml/metadata."),
            up_to(1024),
        ),
    )
    sso_url = forms.URLField(
        label=_("Identity provider's single sign-on URL"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Where people are sent to sign in (its HTTP-Redirect binding)."),
    )
    certificate = forms.CharField(
        label=_("Identity provider's signing certificate (PEM)"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=format_lazy(
            "{} {}",
            _(
                "The certificate it signs its assertions with, from -----BEGIN "
                "CERTIFICATE----- to -----END CERTIFICATE-----."
            ),
            up_to(20_000),
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(
            [
                "protocol",
                "name",
                "metadata",
                "entity_id",
                "sso_url",
                "certificate",
                "domains",
                "mandatory",
            ]
        )
        self.build_helper()

    def _show(self, values: dict[str, str]) -> None:
        """These fields' values, as the page shows them if it comes back."""
        self.data = {
            **dict(self.data.items()),
            **{self.add_prefix(name): value for name, value in values.items()},
        }

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        pasted_keys = [
            name
            for name in ("metadata", "certificate")
            if "PRIVATE KEY" in str(self.data.get(self.add_prefix(name), ""))
        ]
        if pasted_keys:
            # Never shown back, and never kept: a private key stays with its owner.
            self._show(dict.fromkeys(pasted_keys, ""))
            for name in pasted_keys:
                self.add_error(
                    name,
                    _(
                        "This holds a private key: keep it secret, and replace it at your "
                        "identity provider. Paste its certificate only."
                    ),
                )
            return cleaned
        if cleaned.get("metadata", "").strip():
            try:
                read = saml_settings.idp_from_metadata(cleaned["metadata"])
            except ValueError:
                self.add_error(
                    "metadata",
                    _(
                        "This is not an identity provider's SAML metadata with an entity ID, "
                        "a single sign-on URL (HTTP-Redirect) and a signing certificate."
                    ),
                )
                return cleaned
            self._show(read)
            cleaned.update(read)
        self._clean_entity_id(cleaned)
        self._clean_sso_url(cleaned)
        self._clean_certificate(cleaned)
        return cleaned

    def _clean_entity_id(self, cleaned) -> None:
        entity_id = (cleaned.get("entity_id") or "").strip()
        if not entity_id:
            if "entity_id" not in self.errors:
                self.add_error("entity_id", _("Enter the identity provider's entity ID."))
        elif len(entity_id) > 1024 or not entity_id.isprintable() or " " in entity_id:
            self.add_error(
                "entity_id", _("An entity ID is one URI of at most 1024 characters, no spaces.")
            )
        else:
            cleaned["entity_id"] = entity_id

    def _clean_sso_url(self, cleaned) -> None:
        url = (cleaned.get("sso_url") or "").strip()
        if "sso_url" in self.errors:
            return
        if not url:
            self.add_error("sso_url", _("Enter the identity provider's single sign-on URL."))
            return
        try:
            URLValidator(schemes=["https"])(url)
        except forms.ValidationError:
            self.add_error(
                "sso_url", _("The single sign-on URL must be an address starting with https://.")
            )
            return
        if len(url) > 500:
            self.add_error("sso_url", _("The single sign-on URL is too long."))
            return
        cleaned["sso_url"] = url

    def _clean_certificate(self, cleaned) -> None:
        text = cleaned.get("certificate") or ""
        if "certificate" in self.errors:
            return
        if not text.strip():
            self.add_error("certificate", _("Enter the identity provider's signing certificate."))
            return
        try:
            cleaned["certificate"] = saml_settings.certificate_pem(text)
        except ValueError:
            self.add_error(
                "certificate",
                _("This is not an X.509 certificate in PEM form (-----BEGIN CERTIFICATE-----)."),
            )
