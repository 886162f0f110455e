from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "lantern.messaging"
    label = "messaging"
    verbose_name = "Secure messages"
