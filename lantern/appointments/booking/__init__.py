"""The patient's side of booking: what they have chosen so far, the week of open times they pick
from, booking or moving a visit at a time they picked ("first available" included), and asking
the clinic for a visit they cannot book themselves.

The choices travel in the page's query string as ids only (`visit`, `clinician`, `place`,
`week`, `start`); each is checked here against what the patient's clinic offers, and a choice
that is not offered is treated as not made. The writes themselves are `services.py`'s: this
module picks the clinician for "first available" (the first one free at that time, by id, so the
choice is the same on every try) and turns a refusal into what the page shows.

`choices` reads the choices, `times` the week of open times and the booking at one of them,
`pages` one appointment with what may be done with it, `visit_requests` the request to the clinic.
"""

from __future__ import annotations

from .choices import ANY_CLINICIAN, CHOICES_LISTED, Booking, booking_choices
from .pages import AppointmentPage, appointment_for_page, appointment_moved_to
from .times import (
    DayOfTimes,
    TimeChoice,
    Week,
    appointment_book_at,
    appointment_move_to,
    appointment_submitted_before,
    clinic_time_label,
    clinicians_named,
    free_clinicians,
    open_week,
    start_parse,
    start_value,
    time_check,
    time_choice,
    time_unavailable,
)
from .visit_requests import appointment_request, request_pool

__all__ = [
    "ANY_CLINICIAN",
    "CHOICES_LISTED",
    "AppointmentPage",
    "Booking",
    "DayOfTimes",
    "TimeChoice",
    "Week",
    "appointment_book_at",
    "appointment_for_page",
    "appointment_move_to",
    "appointment_moved_to",
    "appointment_request",
    "appointment_submitted_before",
    "booking_choices",
    "clinic_time_label",
    "clinicians_named",
    "free_clinicians",
    "open_week",
    "request_pool",
    "start_parse",
    "start_value",
    "time_check",
    "time_choice",
    "time_unavailable",
]
