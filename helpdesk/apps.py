from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Help desk"

    def ready(self) -> None:
        """The help desk's own figures join Prometheus's registry once, at start-up."""
        from prometheus_client import REGISTRY

        from helpdesk.metrics import HelpdeskCollector

        REGISTRY.register(HelpdeskCollector())
