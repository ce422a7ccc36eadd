from django.urls import path

from notifications import views

urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("bell/", views.notification_bell, name="notification_bell"),
    path(
        "<int:notification_id>/read/",
        views.notification_read,
        name="notification_read",
    ),
    path("read-all/", views.notification_read_all, name="notification_read_all"),
    path(
        "undelivered/",
        views.outbound_failed_list,
        name="outbound_failed_list",
    ),
    path(
        "preferences/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path("inbound/<slug:esp>/", views.inbound_webhook, name="inbound_webhook"),
]
