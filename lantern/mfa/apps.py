from django.apps import AppConfig


class MfaConfig(AppConfig):
    name = "lantern.mfa"
    label = "mfa"
