from django.apps import AppConfig


class ClinicalConfig(AppConfig):
    name = "lantern.clinical"
    label = "clinical"
    verbose_name = "Clinical record"
