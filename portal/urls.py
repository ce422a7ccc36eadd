from django.urls import path

from portal import views

urlpatterns = [
    path("", views.portal_home, name="portal_home"),
    path("tickets/", views.portal_ticket_list, name="portal_ticket_list"),
    path("contract/", views.contract_detail, name="contract_detail"),
]
