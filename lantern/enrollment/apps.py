from django.apps import AppConfig


class EnrollmentConfig(AppConfig):
    name = "lantern.enrollment"
    label = "enrollment"
