from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)


class SubmitHelperMixin:
    """Gives a form a crispy helper with one primary submit button."""

    submit_label = "Save"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.add_input(Submit("submit", self.submit_label))


class SignInForm(SubmitHelperMixin, AuthenticationForm):
    submit_label = "Sign in"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autofocus": True, "autocomplete": "email"}
        )
        self.fields["username"].label = "Email address"

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class ResetPasswordForm(SubmitHelperMixin, PasswordResetForm):
    submit_label = "Send the reset link"


class ChangePasswordForm(SubmitHelperMixin, PasswordChangeForm):
    submit_label = "Change password"


class ChoosePasswordForm(SubmitHelperMixin, SetPasswordForm):
    submit_label = "Set password"
