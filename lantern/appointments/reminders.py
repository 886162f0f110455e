"""Appointment reminders: rows written when a visit is booked or moved, sent once by a sweep.

Each reminder is a row per visit, offset (settings.APPOINTMENT_REMINDER_OFFSETS) and channel,
unique on the three. Its due time is computed in the location's local wall time, then turned into
an instant, so "1 day before a 9:00 AM visit" is 9:00 AM clinic time the day before on either
side of a daylight-saving change. A text message due in the quiet hours
(settings.APPOINTMENT_SMS_QUIET_HOURS, in the location's zone) is due when they end; an email is
due on time. A cancelled or moved visit's waiting reminders are cancelled with it.

`reminders_send_due` (run by `manage.py send_appointment_reminders`, every minute or two) claims
due rows with `SELECT ... FOR UPDATE SKIP LOCKED` where the database has it (PostgreSQL), so two
sweeps take different rows, and on every database with a conditional UPDATE, so a row is sent
once even when two sweeps read it. A claimed row's visit is checked again: a visit that is no
longer booked, or has begun, gets no reminder. The message goes through the notifications outbox
to the accounts acting for the patient that open appointments, as each chose, and says only
when (clinic time, labelled), where and with whom.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from lantern.notifications.models import NotificationChannel, NotificationEvent
from lantern.notifications.preferences import notify_patient_accounts

from .dates import lazy_clinic_time_words
from .models import (
    Appointment,
    AppointmentReminder,
    AppointmentStatus,
    ReminderChannel,
    ReminderStatus,
)

logger = logging.getLogger(__name__)

# How many due reminders one sweep takes; a busier clinic's next sweep takes the rest.
REMINDERS_PER_SWEEP = 200


def due_at_before(
    starts_at: dt.datetime, zone: zoneinfo.ZoneInfo, offset: dt.timedelta
) -> dt.datetime:
    """`offset` before `starts_at` in the zone's wall time, as an instant in UTC.

    A visit at 9:00 AM on the Monday after clocks go forward has its one-day reminder at 9:00 AM
    on the Sunday, 23 hours earlier, not at 8:00 AM.
    """
    wall = starts_at.astimezone(zone).replace(tzinfo=None) - offset
    return wall.replace(tzinfo=zone).astimezone(dt.UTC)


def after_quiet_hours(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """`moment`, or if it falls in the text-message quiet hours there, the time they end."""
    quiet_from, quiet_until = settings.APPOINTMENT_SMS_QUIET_HOURS
    local = moment.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if quiet_from == quiet_until:
        return moment
    if quiet_from > quiet_until:
        # Overnight (21:00-08:00): quiet after the start or before the end.
        if clock >= quiet_from:
            day = local.date() + dt.timedelta(days=1)
        elif clock < quiet_until:
            day = local.date()
        else:
            return moment
    elif quiet_from <= clock < quiet_until:
        day = local.date()
    else:
        return moment
    return dt.datetime.combine(day, quiet_until, tzinfo=zone).astimezone(dt.UTC)


def in_quiet_hours(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> bool:
    """Whether no text message should be sent at `moment` in `zone`."""
    return after_quiet_hours(moment, zone) != moment


def reminders_schedule(appointment: Appointment) -> list[AppointmentReminder]:
    """Write the reminders of a newly booked (or moved-to) visit; call it in that transaction.

    Reminders that would be due already, or (a text held back by quiet hours) only once the visit
    has begun, are not written: someone booking for tomorrow needs no "3 days before" message.
    """
    now = timezone.now()
    zone = appointment.location.zone
    reminders = []
    for offset in settings.APPOINTMENT_REMINDER_OFFSETS:
        on_time = due_at_before(appointment.starts_at, zone, offset)
        for channel in ReminderChannel:
            due_at = (
                on_time if channel == ReminderChannel.EMAIL else after_quiet_hours(on_time, zone)
            )
            if now < due_at < appointment.starts_at:
                reminders.append(
                    AppointmentReminder(
                        appointment=appointment,
                        offset_minutes=int(offset.total_seconds() // 60),
                        channel=channel,
                        due_at=due_at,
                    )
                )
    return AppointmentReminder.objects.bulk_create(reminders, ignore_conflicts=True)


def reminders_cancel(appointment: Appointment) -> int:
    """Cancel the visit's reminders not yet sent (it was cancelled or moved). Returns how many."""
    return AppointmentReminder.objects.filter(
        appointment=appointment, status=ReminderStatus.PENDING
    ).update(status=ReminderStatus.CANCELLED, updated_at=timezone.now())


def reminders_send_due(*, limit: int = REMINDERS_PER_SWEEP) -> int:
    """Send the reminders that are due, each once; returns how many messages were queued.

    Safe to run in several processes at once (see the module's docstring).
    """
    now = timezone.now()
    due = AppointmentReminder.objects.filter(
        status=ReminderStatus.PENDING, due_at__lte=now
    ).order_by("due_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        # PostgreSQL: the rows stay locked until this batch commits; another sweep skips them.
        with transaction.atomic():
            return _reminders_send(list(due.select_for_update(skip_locked=True)[:limit]), now)
    # SQLite: one short write transaction per reminder, so the web server never waits on a
    # whole batch; the conditional UPDATE in each decides who sends it.
    return _reminders_send(list(due[:limit]), now)


def _reminders_send(reminders: list[AppointmentReminder], now: dt.datetime) -> int:
    appointments = Appointment.objects.select_related("location", "clinician", "patient").in_bulk(
        [reminder.appointment_id for reminder in reminders]
    )
    sent = 0
    for reminder in reminders:
        try:
            # Its own transaction or savepoint: one reminder that fails to queue stays due.
            with transaction.atomic():
                sent += _reminder_send(reminder, appointments[reminder.appointment_id], now)
        except Exception:
            logger.exception("Appointment reminder %s could not be queued.", reminder.pk)
    return sent


def _reminder_send(
    reminder: AppointmentReminder, appointment: Appointment, now: dt.datetime
) -> int:
    # The conditional UPDATE is the claim: of two sweeps that read this row, one changes it.
    claimed = AppointmentReminder.objects.filter(
        pk=reminder.pk, status=ReminderStatus.PENDING
    ).update(status=ReminderStatus.SENT, sent_at=now, updated_at=now)
    if not claimed:
        return 0
    if appointment.status != AppointmentStatus.BOOKED or appointment.starts_at <= now:
        AppointmentReminder.objects.filter(pk=reminder.pk).update(
            status=ReminderStatus.CANCELLED, sent_at=None
        )
        return 0
    written = notify_patient_accounts(
        patient=appointment.patient,
        event=NotificationEvent.APPOINTMENT_REMINDER,
        dedupe_key=f"appointment-reminder:{reminder.pk}",
        context=appointment_notice_context(appointment),
        path=reverse("appointments:list", kwargs={"patient_id": appointment.patient_id}),
        channels={NotificationChannel(reminder.channel)},
    )
    return len(written)


def appointment_notice_context(appointment: Appointment) -> dict[str, str]:
    """What a message about a visit may say: when (clinic time), where and with whom. Never the
    visit type, its reason or its instructions: those are health details."""
    location = appointment.location
    place = ", ".join(
        part for part in (location.name, location.address_line1, location.city) if part
    )
    clinician = appointment.clinician
    return {
        # Drawn when the message is, in its reader's language.
        "time": lazy_clinic_time_words(appointment.starts_at, location.zone),
        "place": place,
        "clinician": clinician.get_full_name() or clinician.get_username(),
    }
