"""An appointment's time as the patient should read it: in the place's own time zone, labelled
("Wed, Jan 14, 2026, 9:00 AM EST, clinic time"), whatever the server's or the browser's zone."""

from __future__ import annotations

from django import template
from django.utils import dateformat

from lantern.appointments.models import Appointment

register = template.Library()

CLINIC_TIME_FORMAT = "D, M j, Y, g:i A T"


@register.filter
def clinic_time(appointment: Appointment) -> str:
    local = appointment.starts_at.astimezone(appointment.location.zone)
    return f"{dateformat.format(local, CLINIC_TIME_FORMAT)}, clinic time"
