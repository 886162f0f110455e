from django.apps import AppConfig


class WebappConfig(AppConfig):
    name = "lantern.webapp"
    label = "webapp"
    verbose_name = "Installable app"
