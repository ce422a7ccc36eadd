from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        """Listen to the domain events (core.events) once every app is loaded."""
        from api import handlers  # noqa: F401 - registers the listeners
