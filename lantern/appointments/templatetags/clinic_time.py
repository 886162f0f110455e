"""An appointment's time as the patient should read it: in the place's own time zone, labelled
("Wed, Jan 14, 2026, 9:00 AM EST, clinic time"), whatever the server's or the browser's zone,
in the page's language ("mié 14 ene 2026, 09:00 EST, hora de la clínica")."""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from lantern.appointments.booking.times import start_in_query
from lantern.appointments.dates import clinic_time_words
from lantern.appointments.models import Appointment

register = template.Library()


@register.filter
def clinic_time(appointment: Appointment) -> str:
    return clinic_time_words(appointment.starts_at, appointment.location.zone)


@register.simple_tag
def open_time_items(day, time_href: str) -> SafeString:
    """The list items of one day's open times, each a link to confirm it (`day` is a
    booking.DayOfTimes). Drawn in Python: a week holds about a hundred of them, so what every
    item of the day repeats (the address, the words after the time) is escaped once, and each
    distinct time label once."""
    joiner = "&" if "?" in time_href else "?"
    href = escape(f"{time_href}{joiner}start=")
    said_after = escape(_(", clinic time, %(day)s") % {"day": day.label})
    labels: dict[str, str] = {}
    items = []
    for time in day.times:
        label = labels.get(time.label)
        if label is None:
            label = labels[time.label] = escape(time.label)
        items.append(
            '<li class="grid-col-6 tablet:grid-col-3 margin-bottom-1"><a class="usa-button '
            f'usa-button--outline width-full padding-x-1" data-testid="open-time" href="{href}'
            f'{start_in_query(time.start)}">{label}<span class="usa-sr-only">{said_after}</span>'
            "</a></li>"
        )
    return mark_safe("\n".join(items))  # noqa: S308 (every value above is escaped)
