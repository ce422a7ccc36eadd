from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self) -> None:
        """Subscribe to the domain events (core.events) once every app is loaded."""
        from webhooks import (
            handlers,  # noqa: F401 - registers the event handlers
            tasks,  # noqa: F401 - the task deliveries are handed to
        )
