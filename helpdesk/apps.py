from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = _("Help desk")

    def ready(self) -> None:
        """The help desk's own figures join Prometheus's registry once, at start-up."""
        from prometheus_client import REGISTRY

        from helpdesk.metrics import HelpdeskCollector

        REGISTRY.register(HelpdeskCollector())
