"""A day in the page's language, in one of the appointment pages' formats (lantern.appointments
.dates): `{{ ticket.earliest_on|appointment_date:"day" }}` is "Monday, November 30" in English
and "lunes 30 de noviembre" in Spanish. Also the clinic's invitations to book, as list items
(`appointments.ticket_presenters`)."""

from __future__ import annotations

import datetime as dt

from django import template

from lantern.appointments.dates import formatted
from lantern.appointments.ticket_presenters import open_ticket_items

register = template.Library()


@register.filter
def appointment_date(value: dt.date | None, name: str) -> str:
    """`value` (a date, or a datetime already in clinic time) in the format `name`."""
    if not value:
        return ""
    return formatted(value, name)


# `{{ tickets|open_ticket_items:patient.pk }}`: the invitations to book, as list items.
register.filter("open_ticket_items", open_ticket_items)
