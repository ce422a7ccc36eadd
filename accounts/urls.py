from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import forms, views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("contacts/", views.contact_list, name="contact_list"),
    path("contacts/invite/", views.contact_invite, name="contact_invite"),
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
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=forms.SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(form_class=forms.ChangePasswordForm),
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
        auth_views.PasswordResetConfirmView.as_view(form_class=forms.ChoosePasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
