from django.urls import include, path

from . import ticket_views, views

app_name = "appointments"

urlpatterns = [
    path("appointments/", views.my_appointments, name="mine"),
    path(
        "patients/<uuid:patient_id>/appointments/",
        views.appointment_list,
        name="list",
    ),
    path(
        "staff/patients/<uuid:patient_id>/booking-invitations/",
        ticket_views.ticket_new,
        name="staff_tickets",
    ),
    path(
        "staff/patients/<uuid:patient_id>/booking-invitations/withdraw/",
        ticket_views.ticket_withdraw,
        name="staff_ticket_withdraw",
    ),
    path("", include("lantern.appointments.waitlist_urls")),
]
