"""An appointment as an iCalendar file (RFC 5545) for the patient's own calendar.

The event's times are in the place's own zone (DTSTART;TZID=America/New_York) with that zone's
VTIMEZONE included, so a calendar anywhere shows the visit at the right instant, and a
daylight-saving change between now and the visit moves nothing. The file says only what a
reminder may: the kind of visit, the clinic, the place and the time — no health details. Its UID
is the appointment's own id, so importing it again updates the event instead of adding another.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Appointment, AppointmentStatus, Location

PRODUCT_ID = "-//Lantern//Patient portal appointments//EN"
UID_DOMAIN = "appointments.lantern"
# The download's name: the same for every visit, so it says nothing about the patient.
FILE_NAME = "appointment.ics"
CONTENT_TYPE = "text/calendar; charset=utf-8"


def place_address(place: Location) -> str:
    """The place's name and address on one line ("Main Street clinic, 1 Main Street, ...")."""
    city_line = " ".join(part for part in (place.state, place.postal_code) if part)
    parts = (
        place.name,
        place.address_line1,
        place.address_line2,
        place.city,
        city_line,
    )
    return ", ".join(part for part in parts if part)


def appointment_calendar(appointment: Appointment) -> bytes:
    """The .ics file of one appointment (needs its location with organization, and visit type)."""
    zone = appointment.location.zone
    clinic = appointment.location.organization.name
    event = Event()
    event.add("uid", f"{appointment.pk}@{UID_DOMAIN}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", appointment.starts_at.astimezone(zone))
    event.add("dtend", appointment.ends_at.astimezone(zone))
    event.add(
        "summary",
        _("Visit: %(visit)s at %(clinic)s")
        % {"visit": appointment.visit_type.name, "clinic": clinic},
    )
    event.add("location", place_address(appointment.location))
    cancelled = appointment.status == AppointmentStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    # The zone's rules from the year before the visit to the year after: what any calendar
    # needs to place it. The whole 1970-2038 default made the file about ten times longer and
    # took about 40% of the page's time to work out.
    calendar.add_missing_timezones(
        first_date=dt.date(appointment.starts_at.astimezone(zone).year - 1, 1, 1),
        last_date=dt.date(appointment.ends_at.astimezone(zone).year + 1, 12, 31),
    )
    return calendar.to_ical()
