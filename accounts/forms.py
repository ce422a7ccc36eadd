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

from accounts.models import TIMEZONE_CHOICES, MemberRole, SecurityEventKind, language_choices


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


class SignInForm(SubmitHelperMixin, LoginForm):
    """allauth's sign-in form (its field ``login`` holds the email address), in our
    words; allauth's view signs the person in, or asks for their second factor."""

    submit_label = _("Sign in")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].widget = forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "email username webauthn"}
        )
        self.fields["login"].label = _("Email address")
        self.fields["password"].label = _("Password")
        # allauth's field adds a "forgot" link; the page has its own under the form.
        self.fields["password"].help_text = ""
        self.build_helper()

    def clean_login(self):
        return self.cleaned_data["login"].strip().lower()


class ResetPasswordForm(SubmitHelperMixin, PasswordResetForm):
    submit_label = _("Send the reset link")


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
