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
    path("", include("tickets.urls")),
]

handler500 = "helpdesk.views.server_error"
