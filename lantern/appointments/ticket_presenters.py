"""The clinic's invitations to book (tickets) as the home page and the appointments page list
them, each worded in Python once rather than through template tags and filters for each value."""

from __future__ import annotations

import html
import uuid

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from lantern.core.reversing import kept_reverse

from .dates import formatted
from .models import BookingTicket


def open_ticket_items(tickets: list[BookingTicket], patient_id: uuid.UUID) -> SafeString:
    """A list item for each ticket: which visit, where, between which days, the clinic's note,
    and the link to choose a time (named for its visit for screen readers)."""
    if not tickets:
        return SafeString("")
    escape = html.escape
    book = escape(kept_reverse("appointments:book", kwargs={"patient_id": patient_id}))
    choose = escape(_("Choose a time"))
    items = []
    for ticket in tickets:
        visit = escape(ticket.visit_type.name)
        days = {
            "visit": visit,
            "first": escape(formatted(ticket.earliest_on, "month_day")),
            "last": escape(formatted(ticket.latest_on, "day_with_year")),
        }
        # The translations' markup (<strong>) is the catalog's own; every value is escaped.
        if ticket.location:
            sentence = _("<strong>%(visit)s</strong> at %(place)s, between %(first)s and %(last)s.")
            days["place"] = escape(ticket.location.name)
        else:
            sentence = _("<strong>%(visit)s</strong>, between %(first)s and %(last)s.")
        note = f"<br>{escape(ticket.note)}" if ticket.note else ""
        items.append(
            '<li class="margin-bottom-2" data-testid="open-ticket">'
            f"{sentence % days}{note}"
            f'<br><a class="usa-button margin-top-1" href="{book}?ticket={ticket.pk}">{choose}'
            f'<span class="usa-sr-only"> {_("for %(visit)s") % {"visit": visit}}</span></a>'
            "</li>"
        )
    return mark_safe("\n".join(items))  # noqa: S308 (every value escaped)
