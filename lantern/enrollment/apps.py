from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "lantern.enrollment"
    label = "enrollment"

    def ready(self) -> None:
        # Registers the password-list system checks.
        from . import checks  # noqa: F401
