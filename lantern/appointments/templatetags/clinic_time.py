"""An appointment's time as the patient should read it: in the place's own time zone, labelled
("Wed, Jan 14, 2026, 9:00 AM EST, clinic time"), whatever the server's or the browser's zone."""

from __future__ import annotations

from urllib.parse import quote

from django import template
from django.utils import dateformat
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from lantern.appointments.models import Appointment

register = template.Library()

CLINIC_TIME_FORMAT = "D, M j, Y, g:i A T"


@register.filter
def clinic_time(appointment: Appointment) -> str:
    local = appointment.starts_at.astimezone(appointment.location.zone)
    return f"{dateformat.format(local, CLINIC_TIME_FORMAT)}, clinic time"


@register.simple_tag
def open_time_items(day, time_href: str) -> SafeString:
    """The list items of one day's open times, each a link to confirm it (`day` is a
    booking.DayOfTimes). Drawn in Python: a week holds about a hundred of them."""
    joiner = "&" if "?" in time_href else "?"
    return format_html_join(
        "\n",
        '<li class="grid-col-6 tablet:grid-col-3 margin-bottom-1"><a class="usa-button '
        'usa-button--outline width-full padding-x-1" data-testid="open-time" href="{}">{}'
        '<span class="usa-sr-only">, clinic time, {}</span></a></li>',
        (
            (f"{time_href}{joiner}start={quote(time.start, safe='')}", time.label, day.label)
            for time in day.times
        ),
    )
