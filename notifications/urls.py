from django.urls import path

from notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/bell/", views.notification_bell, name="notification_bell"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification_read",
    ),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path(
        "notifications/undelivered/",
        views.outbound_failed_list,
        name="outbound_failed_list",
    ),
    path(
        "profile/notifications/",
        views.notification_preferences,
        name="notification_preferences",
    ),
    path("inbound/<slug:esp>/", views.inbound_webhook, name="inbound_webhook"),
]
