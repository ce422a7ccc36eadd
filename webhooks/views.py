"""The pages where administrators and customer administrators register webhook
endpoints and follow their deliveries (/webhooks/)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions
from tickets.forms import add_service_errors
from webhooks import forms, selectors, services
from webhooks.models import DeliveryState

webhook_managers = permissions.require(services.can_manage_webhooks)


@webhook_managers
def endpoint_list(request):
    administrator = services.is_administrator(request.user)
    form = forms.EndpointForm(request.POST or None, administrator=administrator)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organization = data.get("organization") if administrator else request.organization
        try:
            endpoint = services.endpoint_create(
                request.user,
                organization=organization,
                url=data["url"],
                events=data["events"],
                description=data["description"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            # Shown once, on the endpoint's page: the session keeps it until then.
            request.session["new_webhook_secret"] = {"endpoint": endpoint.pk}
            return redirect("webhook_detail", pk=endpoint.pk)
    endpoints = selectors.endpoints_for(user=request.user)
    return render(
        request,
        "webhooks/endpoint_list.html",
        {"form": form, "endpoints": endpoints, "administrator": administrator},
    )


@webhook_managers
def endpoint_detail(request, pk: int):
    endpoint = selectors.endpoint_of(user=request.user, endpoint_id=pk)
    manages = services.may_manage(request.user, endpoint)
    if request.method == "POST" and not manages:
        raise PermissionDenied
    form = forms.EndpointUpdateForm(
        request.POST or None,
        endpoint=endpoint,
        initial={
            "description": endpoint.description,
            "events": endpoint.events,
            "is_active": endpoint.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.endpoint_update(request.user, endpoint=endpoint, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The endpoint is saved."))
            return redirect("webhook_detail", pk=endpoint.pk)
    shown = forms.DeliveryFilterForm(request.GET)
    state = shown.cleaned_data["state"] if shown.is_valid() else ""
    new = request.session.pop("new_webhook_secret", None)
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "form": form,
            "filter": shown,
            "deliveries": selectors.deliveries_of(endpoint=endpoint, state=state),
            "shown": selectors.DELIVERIES_SHOWN,
            "new_secret": manages and new is not None and new.get("endpoint") == endpoint.pk,
            "manages": manages,
            "states": DeliveryState,
        },
    )


@webhook_managers
@require_POST
def endpoint_secret(request, pk: int):
    endpoint = selectors.endpoint_of(user=request.user, endpoint_id=pk)
    services.endpoint_secret_roll(request.user, endpoint=endpoint)
    request.session["new_webhook_secret"] = {"endpoint": endpoint.pk}
    messages.success(request, _("A new secret signs every delivery from now on."))
    return redirect("webhook_detail", pk=endpoint.pk)


@webhook_managers
@require_POST
def endpoint_ping(request, pk: int):
    endpoint = selectors.endpoint_of(user=request.user, endpoint_id=pk)
    services.endpoint_ping(request.user, endpoint=endpoint)
    messages.success(request, _("A test event is on its way: its answer shows below in a moment."))
    return redirect("webhook_detail", pk=endpoint.pk)


@webhook_managers
@require_POST
def endpoint_delete(request, pk: int):
    endpoint = selectors.endpoint_of(user=request.user, endpoint_id=pk)
    services.endpoint_delete(request.user, endpoint=endpoint)
    messages.success(
        request,
        _("The endpoint %(url)s is deleted, with its deliveries.") % {"url": endpoint.url},
    )
    return redirect("webhook_list")


@webhook_managers
@require_POST
def delivery_retry(request, pk: int, delivery_id: int):
    endpoint = selectors.endpoint_of(user=request.user, endpoint_id=pk)
    delivery = selectors.delivery_of(endpoint=endpoint, delivery_id=delivery_id)
    try:
        services.delivery_retry(request.user, delivery=delivery)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The delivery is sent again."))
    return redirect("webhook_detail", pk=endpoint.pk)
