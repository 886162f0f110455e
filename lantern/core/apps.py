from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lantern.core"
    label = "core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from lantern.core import checks  # noqa: F401 (registers the system checks)
        from lantern.core.database import connection_prepared

        connection_created.connect(connection_prepared, dispatch_uid="lantern-prepared-statements")
