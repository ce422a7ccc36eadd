from django.contrib import admin
from django.db import models

from webhooks.models import Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "organization", "is_vendor", "is_active", "created_at"]
    list_filter = ["is_vendor", "is_active"]
    exclude = ["secret"]
    # A receiver's address typed without a scheme is https, as webhooks.forms says.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "endpoint", "state", "attempts", "response_status", "created_at"]
    list_filter = ["state", "event"]
    list_select_related = ["endpoint"]
    raw_id_fields = ["endpoint", "organization"]
