from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "lantern.appointments"
    label = "appointments"
    verbose_name = "Appointments"
