from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "lantern.home"
    label = "home"
