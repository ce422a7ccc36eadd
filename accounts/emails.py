from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_scopes import scopes_disabled

from accounts.languages import language_of
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
    # In the invited person's language: their organisation's default until they choose.
    with translation.override(language_of(invitation.user)):
        subject = render_to_string("emails/invitation_subject.txt", context).strip()
        text = render_to_string("emails/invitation_body.txt", context)
        html = render_to_string("emails/invitation_body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[invitation.user.email])
    message.attach_alternative(html, "text/html")
    message.send()
