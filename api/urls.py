from django.urls import path
from drf_spectacular.views import SpectacularSwaggerSplitView

from api import reads, views
from api.schema import SchemaView

T = "v1/tickets/<ref:reference>/"

urlpatterns = [
    path("tokens/", views.token_list, name="api_token_list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
    path("v1/tickets/", views.tickets, name="api_tickets"),
    path(T, views.ticket_detail, name="api_ticket_detail"),
    path(T + "replies/", views.ticket_replies, name="api_ticket_replies"),
    path(T + "status/", views.ticket_status, name="api_ticket_status"),
    path(T + "severity/", views.ticket_severity, name="api_ticket_severity"),
    path(T + "escalations/", views.ticket_escalations, name="api_ticket_escalations"),
    path(T + "attachments/", views.ticket_attachments, name="api_ticket_attachments"),
    path(
        T + "attachments/<int:attachment_id>/",
        views.ticket_attachment,
        name="api_ticket_attachment",
    ),
    path(T + "clocks/", views.ticket_clocks, name="api_ticket_clocks"),
    path("v1/organizations/", reads.organizations, name="api_organizations"),
    path(
        "v1/organizations/<slug:code>/contracts/",
        reads.organization_contracts,
        name="api_organization_contracts",
    ),
    path("v1/articles/", reads.articles, name="api_articles"),
    path("v1/articles/<slug:slug>/", reads.article, name="api_article"),
    path("v1/release-notes/", reads.release_notes, name="api_release_notes"),
    path("v1/notifications/", reads.notifications, name="api_notifications"),
    path(
        "v1/notifications/<int:notification_id>/read/",
        reads.notification_read,
        name="api_notification_read",
    ),
    path("v1/schema/", SchemaView.as_view(), name="api_schema"),
    path("v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]
