from django.urls import include, path

from . import views

app_name = "appointments"

urlpatterns = [
    path("appointments/", views.my_appointments, name="mine"),
    path(
        "patients/<uuid:patient_id>/appointments/",
        views.appointment_list,
        name="list",
    ),
    path("", include("lantern.appointments.waitlist_urls")),
]
