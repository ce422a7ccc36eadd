from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        """Listen to the domain events (core.events) once every app is loaded."""
        from api import handlers  # noqa: F401 - registers the listeners
