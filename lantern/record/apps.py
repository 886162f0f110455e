from django.apps import AppConfig


class RecordConfig(AppConfig):
    name = "lantern.record"
    label = "record"
    verbose_name = "Health record"
