from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts import permissions
from accounts.permissions import require
from notifications import forms, selectors, services

signed_in = require(lambda user: user.is_authenticated)
staff_only = require(permissions.can_work_tickets)

# anymail's inbound webhook for each provider, reached at /inbound/<esp>/.
INBOUND_VIEWS = {
    "amazon_ses": "anymail.webhooks.amazon_ses.AmazonSESInboundWebhookView",
    "brevo": "anymail.webhooks.brevo.BrevoInboundWebhookView",
    "mailersend": "anymail.webhooks.mailersend.MailerSendInboundWebhookView",
    "mailgun": "anymail.webhooks.mailgun.MailgunInboundWebhookView",
    "mailjet": "anymail.webhooks.mailjet.MailjetInboundWebhookView",
    "mailtrap": "anymail.webhooks.mailtrap.MailtrapInboundWebhookView",
    "postal": "anymail.webhooks.postal.PostalInboundWebhookView",
    "postmark": "anymail.webhooks.postmark.PostmarkInboundWebhookView",
    "resend": "anymail.webhooks.resend.ResendInboundWebhookView",
    "sendgrid": "anymail.webhooks.sendgrid.SendGridInboundWebhookView",
    "sparkpost": "anymail.webhooks.sparkpost.SparkPostInboundWebhookView",
}


@signed_in
@require_GET
def notification_list(request):
    notifications = selectors.notifications_for(user=request.user)
    page = Paginator(notifications, 25).get_page(request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {"page": page})


@signed_in
@require_GET
def notification_bell(request):
    """The unread count in the navigation bar, fetched by htmx: one COUNT."""
    count = selectors.unread_count_for(user=request.user)
    return render(request, "notifications/notification_bell.html", {"unread": count})


@signed_in
@require_POST
def notification_read(request, notification_id: int):
    notification = selectors.notification_get_for(
        user=request.user, notification_id=notification_id
    )
    services.notification_mark_read(request.user, notification=notification)
    target = notification.url if request.POST.get("open") else ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notification_list")


@signed_in
@require_POST
def notification_read_all(request):
    count = services.notifications_mark_all_read(request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "Marked %(count)s notification read.", "Marked %(count)s notifications read.", count
            )
            % {"count": count},
        )
    return redirect("notification_list")


@signed_in
def notification_preferences(request):
    current = selectors.preferences_for(request.user)
    form = forms.PreferencesForm(request.POST or None, user=request.user, current=current)
    if request.method == "POST" and form.is_valid():
        services.preferences_save(request.user, choices=form.choices())
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notification_preferences")
    return render(request, "notifications/notification_preferences.html", {"form": form})


@staff_only
@require_GET
def outbound_failed_list(request):
    page = Paginator(selectors.outbound_failed_for_staff(), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/outbound_failed_list.html", {"page": page})


@csrf_exempt
@require_POST
def inbound_webhook(request, esp: str):
    """An ESP posts a received email. anymail checks the webhook's basic auth (and the
    provider's signature where it has one) and refuses a forged post with a 400; without
    a WEBHOOK_SECRET configured the endpoint does not exist."""
    view_path = INBOUND_VIEWS.get(esp)
    if view_path is None or not settings.ANYMAIL.get("WEBHOOK_SECRET"):
        raise Http404("No inbound email here.")
    return import_string(view_path).as_view()(request)
