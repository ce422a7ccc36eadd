import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

import requests
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import forms, permissions, saml_settings, selectors, services, sessions, sso
from accounts.models import SecurityEventKind
from accounts.tokens import invitation_tokens
from core import spreadsheets

# The CSV export holds the newest events up to this many (a few months of a busy desk).
SECURITY_LOG_EXPORT_ROWS = 50_000


@login_required
def profile(request):
    user = request.user
    organization = request.organization
    default_label = (
        _("Your organisation's (%(zone)s)") % {"zone": organization.timezone}
        if organization
        else _("The support team's (%(zone)s)") % {"zone": settings.TIME_ZONE}
    )
    language_names = dict(settings.LANGUAGES)
    default_language_label = (
        _("Your organisation's (%(language)s)")
        % {"language": language_names[organization.default_language]}
        if organization and organization.default_language in language_names
        else _("Your browser's")
    )
    form = forms.ProfileForm(
        request.POST or None,
        initial={
            "full_name": user.full_name,
            "phone": user.phone,
            "timezone": user.timezone,
            "language": user.language,
        },
        default_label=default_label,
        default_language_label=default_language_label,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(
                user,
                user=user,
                full_name=form.cleaned_data["full_name"],
                timezone_name=form.cleaned_data["timezone"],
                language=form.cleaned_data["language"],
                phone=str(form.cleaned_data["phone"] or ""),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect("profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


@permissions.require(permissions.is_customer_admin)
def contact_list(request):
    contacts = selectors.contact_list(organization=request.organization)
    return render(
        request,
        "accounts/contact_list.html",
        {
            "contacts": contacts,
            "role_form": forms.ContactRoleForm(),
            "security_form": forms.OrganizationSecurityForm(
                initial={"require_mfa": request.organization.require_mfa}
            ),
        },
    )


@permissions.require(permissions.is_customer_admin)
def contact_invite(request):
    form = forms.InviteContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                request.user, organization=request.organization, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The same words whether or not the address has an account elsewhere.
            messages.success(
                request,
                _(
                    "If %(email)s can be invited, an invitation is on its way. The link "
                    "works once and expires in 7 days."
                )
                % {"email": form.cleaned_data["email"]},
            )
            return redirect("contact_list")
    return render(request, "accounts/contact_invite.html", {"form": form})


@require_POST
@permissions.require(permissions.is_customer_admin)
def organization_security(request):
    form = forms.OrganizationSecurityForm(request.POST)
    if form.is_valid():
        organization = services.organization_set_require_mfa(
            request.user,
            organization=request.organization,
            require=form.cleaned_data["require_mfa"],
        )
        messages.success(
            request,
            _("Everyone of %(organization)s must now use two-factor authentication.")
            % {"organization": organization.name}
            if organization.require_mfa
            else _("Two-factor authentication is now each person's own choice."),
        )
    return redirect("contact_list")


@require_POST
@permissions.require(permissions.is_customer_admin)
def contact_role(request, membership_id: int):
    membership = selectors.contact_get(
        organization=request.organization, membership_id=membership_id
    )
    form = forms.ContactRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a customer role."))
        return redirect("contact_list")
    try:
        services.membership_change_role(
            request.user, membership=membership, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("%(person)s is now %(role)s.")
            % {"person": membership.user, "role": membership.get_role_display()},
        )
    return redirect("contact_list")


@require_POST
@permissions.require(permissions.is_customer_admin)
def contact_deactivate(request, membership_id: int):
    return _set_active(request, membership_id, active=False)


@require_POST
@permissions.require(permissions.is_customer_admin)
def contact_reactivate(request, membership_id: int):
    return _set_active(request, membership_id, active=True)


def _set_active(request, membership_id: int, *, active: bool):
    membership = selectors.contact_get(
        organization=request.organization, membership_id=membership_id
    )
    try:
        user = services.contact_set_active(request.user, membership=membership, active=active)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        text = (
            _("%(person)s can sign in again.") if active else _("%(person)s can no longer sign in.")
        )
        messages.success(request, text % {"person": user})
    return redirect("contact_list")


@require_POST
@permissions.require(permissions.is_customer_admin)
def invitation_resend(request, membership_id: int):
    membership = selectors.contact_get(
        organization=request.organization, membership_id=membership_id
    )
    invitation = getattr(membership.user, "invitation", None)
    if invitation is None:
        raise Http404("No invitation for this contact.")
    try:
        services.invitation_resend(request.user, invitation=invitation)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("A new invitation link is on its way to %(email)s.")
            % {"email": membership.user.email},
        )
    return redirect("contact_list")


def invitation_accept(request, public_id, token: str):
    invitation = selectors.invitation_by_public_id(public_id=public_id)
    if invitation is None:
        raise Http404("No such invitation.")
    if invitation.accepted_at is not None:
        return render(
            request, "accounts/invitation_used.html", {"invitation": invitation}, status=410
        )
    if invitation.is_expired:
        return render(
            request, "accounts/invitation_expired.html", {"invitation": invitation}, status=410
        )
    if not invitation_tokens.check_token(invitation.user, token):
        # A superseded link (the invitation was sent again) or a mistyped one.
        return render(
            request,
            "accounts/invitation_expired.html",
            {"invitation": invitation, "superseded": True},
            status=410,
        )
    single_sign_on = selectors.mandatory_sign_on_for_email(email=invitation.user.email)
    if single_sign_on is not None:
        return _invitation_accept_through_sign_on(request, invitation, single_sign_on)
    form = forms.AcceptInvitationForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation, password=form.cleaned_data["new_password1"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="accounts.backends.UserBackend")
            messages.success(
                request,
                _("Welcome to the %(organization)s help desk.")
                % {"organization": invitation.organization.name},
            )
            return redirect("home")
    return render(
        request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation}
    )


def _invitation_accept_through_sign_on(request, invitation, single_sign_on):
    """An invitation for an address whose single sign-on is mandatory: no password is
    offered or taken. Its POST sends the person to their identity provider as the sign-in
    page's "Use single sign-on" does, and the adapter accepts the invitation when the
    provider sends its person back (accounts.adapters.SocialAccountAdapter)."""
    refused = False
    if request.method == "POST":
        if any(key.startswith("new_password") for key in request.POST):
            refused = True
            services.security_event_record(
                kind=SecurityEventKind.SSO_REFUSED,
                email=invitation.user.email,
                request=request,
                detail=f"{single_sign_on.app.name}: mandatory, invitation password",
            )
        else:
            request.session[sso.PENDING_INVITATION] = str(invitation.public_id)
            provider = single_sign_on.app.get_provider(request)
            return redirect(provider.get_login_url(request))
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "single_sign_on": single_sign_on, "refused": refused},
        status=403 if refused else 200,
    )


@permissions.require(permissions.can_read_security_log)
def security_event_list(request):
    form = forms.SecurityLogFilterForm(request.GET or None)
    events = selectors.security_event_list(**form.filters())
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/security_event_list.html",
        {"form": form, "page": page, "events": page.object_list},
    )


@permissions.require(permissions.can_read_security_log)
def security_event_export(request):
    form = forms.SecurityLogFilterForm(request.GET or None)
    events = selectors.security_event_list(**form.filters())[:SECURITY_LOG_EXPORT_ROWS]
    buffer = io.StringIO()
    # Addresses and browsers are typed by strangers: no cell may reach a spreadsheet as
    # a formula.
    writer = spreadsheets.writer(buffer)
    writer.writerow(
        [
            _("Time (UTC)"),
            _("Event"),
            _("Email address"),
            _("Organisation"),
            _("IP address"),
            _("Browser"),
            _("Detail"),
        ]
    )
    for event in events:
        writer.writerow(
            [
                event.created_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                event.get_kind_display(),
                event.email,
                event.organization.code if event.organization else "",
                event.ip_address or "",
                event.user_agent,
                event.detail,
            ]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="security-log.csv"'
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change, which keeps this session signed in; every other
    session of the person ends (a stolen one with it)."""

    form_class = forms.ChangePasswordForm

    def form_valid(self, form):
        response = super().form_valid(form)
        # Django gave this session a new key with the new password: it is kept, and
        # listed under that key.
        services.user_sessions_end(
            self.request.user,
            user=self.request.user,
            keep_session_key=self.request.session.session_key,
        )
        sessions.record_session(None, request=self.request, user=self.request.user)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's password reset: with the new password, every session of the person ends."""

    form_class = forms.ChoosePasswordForm

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_sessions_end(None, user=form.user)
        return response


def _safe_next(request) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""


@require_POST
def sso_start(request):
    """The sign-in page's "Use single sign-on": the address's identity
    provider (its organisation's, or the staff's) asks the person to continue to it;
    an address without one goes back to the password form."""
    form = forms.SingleSignOnStartForm(request.POST)
    next_url = _safe_next(request)
    app = selectors.sign_on_app_for_email(email=form.email()) if form.is_valid() else None
    if app is None:
        messages.error(
            request, _("No single sign-on is set up for this address: sign in with your password.")
        )
        return redirect(
            reverse("login") + (f"?{urlencode({'next': next_url})}" if next_url else "")
        )
    provider = app.get_provider(request)
    params = {"next": next_url} if next_url else {}
    return redirect(provider.get_login_url(request, **params))


@require_http_methods(["GET", "POST"])
def sso_provider_login(request, provider_id: str):
    """allauth's OpenID Connect sign-in: a GET shows "Continue to <provider>", only its
    POST leaves for the provider. That form is sent on to the provider's origin, which
    the site's Content-Security-Policy (forms to this site only) allows on this page."""
    app = SocialApp.objects.filter(provider="openid_connect", provider_id=provider_id).first()
    if app is None:
        raise Http404("No such identity provider.")
    try:
        response = oidc_views.login(request, provider_id=provider_id)
    except (requests.RequestException, ValueError):
        # Its discovery document unreachable or unreadable: nothing to send the person to.
        messages.error(
            request, _("Your identity provider cannot be reached just now: try again later.")
        )
        return redirect("login")
    sso.allow_form_action(response, str(app.settings.get("server_url", "")))
    return response


SSO_FORMS: dict[str, type[forms.SingleSignOnBaseForm]] = {
    "oidc": forms.SingleSignOnForm,
    "saml": forms.SamlSingleSignOnForm,
}


def _sso_initial(single_sign_on) -> dict:
    if single_sign_on is None:
        return {}
    app = single_sign_on.app
    initial = {
        "name": app.name,
        "domains": "\n".join(row.domain for row in single_sign_on.domains.all()),
        "mandatory": single_sign_on.mandatory,
    }
    if app.provider == "openid_connect":
        return {
            **initial,
            "server_url": app.settings.get("server_url", ""),
            "client_id": app.client_id,
        }
    idp = app.settings.get("idp") or {}
    return {
        **initial,
        "entity_id": idp.get("entity_id", ""),
        "sso_url": idp.get("sso_url", ""),
        "certificate": _saml_certificate(app),
    }


def _saml_certificate(app: SocialApp) -> str:
    """A SAML provider's saved certificate as PEM ("" when unreadable: typed in the admin)."""
    try:
        return saml_settings.certificate_pem(str(app.settings["idp"]["x509cert"]))
    except (KeyError, TypeError, ValueError):
        return ""


@permissions.require(permissions.is_customer_admin)
def organization_sso(request):
    """The customer administrator's single sign-on: their organisation's identity
    provider (OpenID Connect or SAML 2.0, a tab each), its domains, whether it is the
    only way in, and what to register at the provider. A secret is never shown."""
    organization = request.organization
    single_sign_on = selectors.single_sign_on_of(organization=organization)
    app = single_sign_on.app if single_sign_on is not None else None
    current = {"openid_connect": "oidc", "saml": "saml"}.get(app.provider if app else "", "oidc")
    managed_by_staff = app is not None and not sso.customer_may_change(app)
    protocol = request.POST.get("protocol") or request.GET.get("protocol") or current
    if protocol not in SSO_FORMS:
        protocol = current
    kwargs: dict[str, Any] = {
        "initial": (
            _sso_initial(single_sign_on) if protocol == current and not managed_by_staff else {}
        )
    }
    if protocol == "oidc":
        kwargs["current_secret"] = app.secret if app is not None and current == "oidc" else ""
    form = SSO_FORMS[protocol](request.POST or None, **kwargs)
    if request.method == "POST" and not managed_by_staff and form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if key != "protocol"}
        data.pop("metadata", None)
        configure = (
            services.single_sign_on_configure_saml
            if protocol == "saml"
            else services.single_sign_on_configure
        )
        try:
            configure(request.user, organization=organization, **data)
        except ValidationError as error:
            # The service names the form's own fields (domains, secret).
            form.add_error(None, error)
        else:
            messages.success(request, _("Your single sign-on is saved."))
            return redirect(reverse("organization_sso") + f"?protocol={protocol}")
    saml_client_id = selectors.saml_client_id_for(organization=organization, app=app)
    oidc_provider_id = selectors.oidc_provider_id_for(organization=organization, app=app)
    saved_certificate = _saml_certificate(app) if current == "saml" and app is not None else ""
    return render(
        request,
        "accounts/organization_sso.html",
        {
            "form": form,
            "protocol": protocol,
            "current_protocol": current if app is not None else "",
            "single_sign_on": single_sign_on,
            "managed_by_staff": managed_by_staff,
            "certificate": (
                saml_settings.certificate_summary(saved_certificate) if saved_certificate else None
            ),
            "redirect_uri": request.build_absolute_uri(
                reverse("openid_connect_callback", kwargs={"provider_id": oidc_provider_id})
            ),
            "sp_entity_id": request.build_absolute_uri(
                reverse("saml_metadata", kwargs={"organization_slug": saml_client_id})
            ),
            "acs_url": request.build_absolute_uri(
                reverse("saml_acs", kwargs={"organization_slug": saml_client_id})
            ),
        },
    )


@require_POST
@permissions.require(permissions.is_customer_admin)
def organization_sso_disconnect(request):
    """The customer administrator disconnects their organisation's identity provider."""
    try:
        services.single_sign_on_disconnect(request.user, organization=request.organization)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("Your single sign-on is disconnected: your people sign in with a password again."),
        )
    return redirect("organization_sso")
