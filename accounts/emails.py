from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django_scopes import scopes_disabled

from accounts.models import Invitation
from accounts.tokens import invitation_tokens


def send_invitation_email(invitation_id: int) -> None:
    # A task has no request scope; the invitation id comes from our own service.
    with scopes_disabled():
        invitation = (
            Invitation.objects.select_related("user", "organization", "invited_by")
            .filter(pk=invitation_id, accepted_at__isnull=True)
            .first()
        )
    if invitation is None:
        return
    path = reverse(
        "invitation_accept",
        kwargs={
            "public_id": invitation.public_id,
            "token": invitation_tokens.make_token(invitation.user),
        },
    )
    context = {
        "invitation": invitation,
        "link": settings.SITE_URL.rstrip("/") + path,
    }
    subject = render_to_string("emails/invitation_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/invitation_body.txt", context),
        to=[invitation.user.email],
    )
    message.attach_alternative(
        render_to_string("emails/invitation_body.html", context), "text/html"
    )
    message.send()
