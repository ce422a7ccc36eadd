from django.urls import path

from tickets import converters
from workspace import views

converters.register()

T = "tickets/<ref:reference>/"

urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("take-next/", views.take_next, name="workspace_take_next"),
    path("bulk/", views.bulk_apply, name="workspace_bulk"),
    path("search/", views.search_view, name="workspace_search"),
    path("views/", views.saved_view_create, name="workspace_view_create"),
    path("views/<int:view_id>/delete/", views.saved_view_delete, name="workspace_view_delete"),
    path("log/", views.log_ticket, name="workspace_log"),
    path("log/customers/", views.log_customers, name="workspace_log_customers"),
    path("log/check/", views.log_check, name="workspace_log_check"),
    path("pickers/staff/", views.picker_staff, name="workspace_picker_staff"),
    path("pickers/contacts/", views.picker_contacts, name="workspace_picker_contacts"),
    path(
        "pickers/organizations/",
        views.picker_organizations,
        name="workspace_picker_organizations",
    ),
    path("canned-responses/", views.canned_response_list, name="workspace_canned_responses"),
    path(
        "canned-responses/<int:canned_response_id>/",
        views.canned_response_edit,
        name="workspace_canned_response_edit",
    ),
    path(
        "canned-responses/<int:canned_response_id>/delete/",
        views.canned_response_delete,
        name="workspace_canned_response_delete",
    ),
    path(
        "canned-responses/<int:canned_response_id>/render/<ref:reference>/",
        views.canned_response_render,
        name="workspace_canned_response_render",
    ),
    path(T, views.row, name="workspace_row"),
    path(T + "acknowledge/", views.triage_acknowledge, name="workspace_acknowledge"),
    path(T + "assign/", views.triage_assign, name="workspace_assign"),
    path(T + "severity/", views.triage_severity, name="workspace_severity"),
    path(T + "priority/", views.triage_priority, name="workspace_priority"),
    path(T + "status/", views.triage_transition, name="workspace_transition"),
    path(T + "reply/", views.triage_reply, name="workspace_reply"),
]
