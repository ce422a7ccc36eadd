from allauth.account import views as allauth_views
from allauth.socialaccount import views as socialaccount_views
from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from accounts import forms, saml, views

# allauth's own SAML URLs (allauth/socialaccount/providers/saml/urls.py), its views
# fitted in accounts.saml, under its names, which its views and settings reverse.
saml_urls = [
    path("acs/", saml.acs, name="saml_acs"),
    path("acs/finish/", saml.finish_acs, name="saml_finish_acs"),
    path("sls/", saml.sls, name="saml_sls"),
    path("metadata/", saml.metadata, name="saml_metadata"),
    path("login/", saml.login, name="saml_login"),
]

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("security-log/", views.security_event_list, name="security_event_list"),
    path("security-log/export/", views.security_event_export, name="security_event_export"),
    path("contacts/invite/", views.contact_invite, name="contact_invite"),
    path("contacts/security/", views.organization_security, name="organization_security"),
    path("contacts/single-sign-on/", views.organization_sso, name="organization_sso"),
    path(
        "contacts/single-sign-on/disconnect/",
        views.organization_sso_disconnect,
        name="organization_sso_disconnect",
    ),
    path("contacts/<int:membership_id>/role/", views.contact_role, name="contact_role"),
    path(
        "contacts/<int:membership_id>/deactivate/",
        views.contact_deactivate,
        name="contact_deactivate",
    ),
    path(
        "contacts/<int:membership_id>/reactivate/",
        views.contact_reactivate,
        name="contact_reactivate",
    ),
    path(
        "contacts/<int:membership_id>/resend-invitation/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "invitations/<uuid:public_id>/<str:token>/",
        views.invitation_accept,
        name="invitation_accept",
    ),
    # Sign-in is allauth's view (with our form, settings.ACCOUNT_FORMS), under our name
    # and under allauth's, which its own pages and flows reverse. Only the parts of
    # allauth the help desk uses are routed: no sign-up, no address management.
    path("login/", allauth_views.login, name="login"),
    path("login/", allauth_views.login, name="account_login"),
    path("inactive/", allauth_views.account_inactive, name="account_inactive"),
    # Single sign-on (allauth.socialaccount): the sign-in page's button, then each
    # organisation's OpenID Connect provider. Its callback URL is the redirect URI to
    # register at the provider (docs/sign-in.md); no sign-up form, no connections page.
    path("sso/", views.sso_start, name="sso_start"),
    path(
        "oidc/<slug:provider_id>/login/",
        views.sso_provider_login,
        name="openid_connect_login",
    ),
    path(
        "oidc/<slug:provider_id>/login/callback/",
        oidc_views.callback,
        name="openid_connect_callback",
    ),
    path(
        "sso/cancelled/",
        socialaccount_views.login_cancelled,
        name="socialaccount_login_cancelled",
    ),
    path("sso/error/", socialaccount_views.login_error, name="socialaccount_login_error"),
    # Each organisation's SAML identity provider, by its SocialApp's client ID: the
    # assertion consumer service (acs/) and the metadata/ to give the IdP (docs/sign-in.md).
    re_path(r"^saml/(?P<organization_slug>[^/]+)/", include(saml_urls)),
    # Before a sensitive change (a second factor added or removed): the password again.
    path("reauthenticate/", allauth_views.reauthenticate, name="account_reauthenticate"),
    # Two-factor authentication: the authenticator app, recovery codes, security keys
    # and passkeys, and the second step of signing in (allauth.mfa).
    path("2fa/", include("allauth.mfa.urls")),
    # Each person's signed-in sessions, the others signed out with one button.
    path("sessions/", include("allauth.usersessions.urls")),
    # Signing out is a POST (Django's view): a link or an image cannot sign anyone out.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("logout/", auth_views.LogoutView.as_view(), name="account_logout"),
    path(
        "password/change/",
        views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            form_class=forms.ResetPasswordForm,
            email_template_name="emails/password_reset_body.txt",
            html_email_template_name="emails/password_reset_body.html",
            subject_template_name="emails/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
