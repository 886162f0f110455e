from django.apps import AppConfig


class ResultsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lantern.results"
    label = "results"
    verbose_name = "Test results"
