from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lantern.audit"
    label = "audit"

    def ready(self) -> None:
        # Registers the seal-key system check.
        from . import checks  # noqa: F401
