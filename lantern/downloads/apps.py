from django.apps import AppConfig


class DownloadsConfig(AppConfig):
    name = "lantern.downloads"
    label = "downloads"
