from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views

urlpatterns = [
    path("tokens/", views.token_list, name="api_token_list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
    path("v1/tickets/", views.tickets, name="api_tickets"),
    path("v1/tickets/<ref:reference>/", views.ticket_detail, name="api_ticket_detail"),
    path("v1/tickets/<ref:reference>/replies/", views.ticket_replies, name="api_ticket_replies"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
]
