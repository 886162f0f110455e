"""The clinic's schedules in the staff console, under /staff/ (see lantern/staff/urls.py)."""

from django.urls import path

from . import staff_patient_views as patient_views
from . import staff_views

app_name = "schedule"

PATIENT = "patients/<uuid:patient_id>/appointments/"
APPOINTMENT = PATIENT + "<uuid:appointment_id>/"
CLINICIAN = "schedule/setup/clinicians/<int:clinician_id>/"

urlpatterns = [
    path("schedule/", staff_views.schedule_day, name="day"),
    path("schedule/setup/", staff_views.setup_index, name="setup"),
    path("schedule/setup/visit-types/add/", staff_views.visit_type_edit, name="visit_type_add"),
    path(
        "schedule/setup/visit-types/<int:visit_type_id>/",
        staff_views.visit_type_edit,
        name="visit_type_edit",
    ),
    path("schedule/setup/places/add/", staff_views.location_edit, name="location_add"),
    path(
        "schedule/setup/places/<int:location_id>/", staff_views.location_edit, name="location_edit"
    ),
    path(CLINICIAN, staff_views.clinician_setup, name="clinician"),
    path(CLINICIAN + "hours/add/", staff_views.weekly_hours_add, name="hours_add"),
    path(CLINICIAN + "hours/remove/", staff_views.weekly_hours_remove, name="hours_remove"),
    path(CLINICIAN + "exceptions/add/", staff_views.exception_add, name="exception_add"),
    path(CLINICIAN + "exceptions/remove/", staff_views.exception_remove, name="exception_remove"),
    path(PATIENT, patient_views.patient_appointments, name="patient"),
    path(PATIENT + "book/", patient_views.patient_book, name="book"),
    path(PATIENT + "book/confirm/", patient_views.patient_book_confirm, name="book_confirm"),
    path(APPOINTMENT, patient_views.patient_appointment, name="appointment"),
    path(APPOINTMENT + "cancel/", patient_views.appointment_cancel, name="cancel"),
    path(APPOINTMENT + "mark/", patient_views.appointment_mark, name="mark"),
    path(APPOINTMENT + "reschedule/", patient_views.appointment_reschedule, name="reschedule"),
]
