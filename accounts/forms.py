from allauth.account.forms import LoginForm
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import (
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from accounts import selectors
from accounts.models import (
    TIMEZONE_CHOICES,
    MemberRole,
    SecurityEventKind,
    domain_validator,
    language_choices,
)
from accounts.services import security_event_record


def _refuse_password_of_mandatory_sign_on(email: str, *, request, what: str) -> None:
    """A person of a domain whose single sign-on is mandatory has no password here:
    refused before any password is checked (so nothing counts towards a lock-out)."""
    single_sign_on = selectors.single_sign_on_for_email(email=email)
    if single_sign_on is None or not single_sign_on.mandatory:
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


class SingleSignOnForm(SubmitHelperMixin, forms.Form):
    """A customer administrator's OpenID Connect identity provider; the domains are one
    per line (or separated by commas or spaces), lower-cased."""

    name = forms.CharField(
        label=_("Name shown at sign-in"),
        max_length=40,
        required=False,
        help_text=_("Such as “Acme sign-in”; empty means your organisation's name."),
    )
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

    def __init__(self, *args, current_secret: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["secret"] = SecretField(current=current_secret)
        self.order_fields(["name", "server_url", "client_id", "secret", "domains", "mandatory"])
        self.build_helper()

    def clean_server_url(self) -> str:
        url = self.cleaned_data["server_url"]
        if not url.startswith("https://"):
            raise forms.ValidationError(_("The provider's address must start with https://."))
        return url.rstrip("/")

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
