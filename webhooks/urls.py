from django.urls import path

from webhooks import views

urlpatterns = [
    path("", views.endpoint_list, name="webhook_list"),
    path("<int:pk>/", views.endpoint_detail, name="webhook_detail"),
    path("<int:pk>/secret/", views.endpoint_secret, name="webhook_secret"),
    path("<int:pk>/ping/", views.endpoint_ping, name="webhook_ping"),
    path("<int:pk>/delete/", views.endpoint_delete, name="webhook_delete"),
    path(
        "<int:pk>/deliveries/<int:delivery_id>/retry/",
        views.delivery_retry,
        name="webhook_delivery_retry",
    ),
]
