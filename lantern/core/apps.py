from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lantern.core"
    label = "core"

    def ready(self) -> None:
        from lantern.core import checks  # noqa: F401 (registers the system checks)
