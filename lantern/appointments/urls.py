from django.urls import include, path

from . import ticket_views, views

app_name = "appointments"

PATIENT = "patients/<uuid:patient_id>/appointments/"
ONE = PATIENT + "<uuid:appointment_id>/"

urlpatterns = [
    path("appointments/", views.my_appointments, name="mine"),
    path(PATIENT, views.appointment_list, name="list"),
    path(PATIENT + "book/", views.book, name="book"),
    path(PATIENT + "book/confirm/", views.book_confirm, name="book_confirm"),
    path(PATIENT + "request/", views.appointment_request, name="request"),
    path(ONE, views.appointment_detail, name="detail"),
    path(ONE + "calendar/", views.appointment_calendar, name="calendar"),
    path(ONE + "cancel/", views.appointment_cancel, name="cancel"),
    path(ONE + "change/", views.appointment_change, name="change"),
    path(ONE + "change/confirm/", views.appointment_change_confirm, name="change_confirm"),
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
