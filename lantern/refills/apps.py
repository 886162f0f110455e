from django.apps import AppConfig


class RefillsConfig(AppConfig):
    name = "lantern.refills"
    label = "refills"
    verbose_name = "Prescription refills"
