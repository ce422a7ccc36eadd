from django.urls import path

from tickets import converters
from tickets import workspace_views as views

converters.register()

W = "workspace/"
T = W + "tickets/<ref:reference>/"

urlpatterns = [
    path(W, views.workspace, name="workspace"),
    path(W + "take-next/", views.take_next, name="workspace_take_next"),
    path(W + "bulk/", views.bulk_apply, name="workspace_bulk"),
    path(W + "search/", views.search_view, name="workspace_search"),
    path(W + "views/", views.saved_view_create, name="workspace_view_create"),
    path(W + "views/<int:view_id>/delete/", views.saved_view_delete, name="workspace_view_delete"),
    path(W + "log/", views.log_ticket, name="workspace_log"),
    path(W + "log/customers/", views.log_customers, name="workspace_log_customers"),
    path(W + "log/check/", views.log_check, name="workspace_log_check"),
    path(W + "pickers/staff/", views.picker_staff, name="workspace_picker_staff"),
    path(W + "pickers/contacts/", views.picker_contacts, name="workspace_picker_contacts"),
    path(
        W + "pickers/organizations/",
        views.picker_organizations,
        name="workspace_picker_organizations",
    ),
    path(W + "macros/", views.macro_list, name="workspace_macros"),
    path(W + "macros/<int:macro_id>/", views.macro_edit, name="workspace_macro_edit"),
    path(W + "macros/<int:macro_id>/delete/", views.macro_delete, name="workspace_macro_delete"),
    path(
        W + "macros/<int:macro_id>/render/<ref:reference>/",
        views.macro_render,
        name="workspace_macro_render",
    ),
    path(T, views.row, name="workspace_row"),
    path(T + "acknowledge/", views.triage_acknowledge, name="workspace_acknowledge"),
    path(T + "assign/", views.triage_assign, name="workspace_assign"),
    path(T + "severity/", views.triage_severity, name="workspace_severity"),
    path(T + "priority/", views.triage_priority, name="workspace_priority"),
    path(T + "status/", views.triage_transition, name="workspace_transition"),
    path(T + "reply/", views.triage_reply, name="workspace_reply"),
]
