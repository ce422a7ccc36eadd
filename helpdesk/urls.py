from django.contrib import admin
from django.urls import include, path

from helpdesk import views

admin.site.site_header = "Help desk administration"
admin.site.site_title = "Help desk administration"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("sla.urls")),
    path("", include("sla.dashboard_urls")),
    path("", include("tickets.urls")),
    path("", include("notifications.urls")),
    path("", include("tickets.workspace_urls")),
    path("", include("tickets.portal_urls")),
    path("", include("knowledge.urls")),
]

handler500 = "helpdesk.views.server_error"
