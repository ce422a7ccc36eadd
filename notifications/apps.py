from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        """Subscribe to the domain events (core.events) and to anymail's inbound mail,
        once every app is loaded: the imports wait until then on purpose."""
        from anymail.signals import inbound

        from core import events
        from notifications import (
            handlers,  # noqa: F401 - registers the event handlers
            tasks,  # noqa: F401 - the tasks the outboxes hand work to
        )
        from notifications.inbound import on_anymail_inbound
        from notifications.services import event_store

        events.set_outbox(event_store)
        inbound.connect(on_anymail_inbound, dispatch_uid="notifications.inbound")
