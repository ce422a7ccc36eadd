"""The root URLconf: each app under its own prefix, so a URL names the folder its code is in
(README "Layout")."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from helpdesk import views

admin.site.site_header = _("Help desk administration")
admin.site.site_title = _("Help desk administration")
# The admin's own sign-in form would skip the second factor and the sign-in rules: its
# login page sends people to ours, and back.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The scripts' words in the person's language (djangojs catalogues): base.html loads
    # it before our scripts, which call gettext().
    # The page scripts' words: the page names its language in the URL (?lang=), so the
    # browser keeps each language's catalogue for an hour instead of asking on every page
    # (its scripts, deferred after it, would wait for it every time).
    path(
        "jsi18n/",
        cache_control(max_age=60 * 60, private=True)(JavaScriptCatalog.as_view()),
        name="javascript_catalog",
    ),
    path("metrics", views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("tickets/", include("tickets.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("surveys/", include("surveys.urls")),
    path("notifications/", include("notifications.urls")),
    path("portal/", include("portal.urls")),
    path("workspace/", include("workspace.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("api/", include("api.urls")),
    path("webhooks/", include("webhooks.urls")),
]

handler404 = "helpdesk.views.page_not_found"
handler500 = "helpdesk.views.server_error"
