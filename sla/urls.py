from django.urls import path

from sla import views

urlpatterns = [
    path("contract/", views.contract_detail, name="contract_detail"),
]
