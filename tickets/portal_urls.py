from django.urls import path

from tickets import portal_views

urlpatterns = [
    path("portal/tickets/", portal_views.portal_ticket_list, name="portal_ticket_list"),
]
