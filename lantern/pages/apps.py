from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "lantern.pages"
    label = "pages"
