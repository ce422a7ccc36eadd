from django.urls import path

from tickets import converters, views

converters.register()

T = "<ref:reference>/"

urlpatterns = [
    path("", views.ticket_list, name="ticket_list"),
    path("new/", views.ticket_create, name="ticket_create"),
    path("uploads/", views.draft_upload, name="draft_upload"),
    path("files/<uuid:token>/", views.upload_file, name="upload_file"),
    path("preview/", views.markdown_preview, name="markdown_preview"),
    path(T, views.ticket_detail, name="ticket_detail"),
    path(T + "reply/", views.ticket_reply, name="ticket_reply"),
    path(T + "presence/", views.ticket_presence, name="ticket_presence"),
    path(T + "uploads/", views.ticket_upload, name="ticket_upload"),
    path(T + "status/", views.ticket_transition, name="ticket_transition"),
    path(T + "assign/", views.ticket_assign, name="ticket_assign"),
    path(T + "severity/", views.ticket_severity, name="ticket_severity"),
    path(T + "priority/", views.ticket_priority, name="ticket_priority"),
    path(T + "tracker/", views.ticket_tracker, name="ticket_tracker"),
    path(T + "watchers/", views.ticket_watcher, name="ticket_watcher"),
    path(T + "escalate/", views.escalation_request, name="escalation_request"),
    path(T + "links/", views.ticket_link_add, name="ticket_link_add"),
    path(T + "links/<int:link_id>/remove/", views.ticket_link_remove, name="ticket_link_remove"),
    path(T + "merge/", views.ticket_merge, name="ticket_merge"),
    path(T + "parent/", views.ticket_parent_set, name="ticket_parent_set"),
    path(T + "parent/remove/", views.ticket_parent_remove, name="ticket_parent_remove"),
    path(T + "children/resolve/", views.ticket_children_resolve, name="ticket_children_resolve"),
    path(T + "escalation/lower/", views.escalation_lower, name="escalation_lower"),
    path(
        T + "escalations/<int:escalation_id>/accept/",
        views.escalation_accept,
        name="escalation_accept",
    ),
    path(
        T + "escalations/<int:escalation_id>/decline/",
        views.escalation_decline,
        name="escalation_decline",
    ),
    path(
        T + "attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
]
