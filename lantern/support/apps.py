from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "lantern.support"
    label = "support"
    verbose_name = "Support requests"
