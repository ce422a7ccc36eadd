from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from anymail.signals import inbound

        from notifications import handlers  # noqa: F401 - registers the event handlers
        from notifications.inbound import on_anymail_inbound

        inbound.connect(on_anymail_inbound, dispatch_uid="notifications.inbound")
