from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "lantern.interop"
    label = "interop"
    verbose_name = "FHIR import and export"
