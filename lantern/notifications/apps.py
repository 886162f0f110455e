from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "lantern.notifications"
    label = "notifications"

    def ready(self) -> None:
        # Registers the from-address system check.
        from . import checks  # noqa: F401
