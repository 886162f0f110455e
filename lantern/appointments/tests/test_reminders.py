"""Appointment reminders (issue 13, point 7): rows written at booking, due at the right local
time across daylight-saving changes, texts held back in quiet hours, none for cancelled or moved
visits, sent once, saying only when, where and with whom."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from lantern.access.models import ProxyPermission
from lantern.appointments.models import AppointmentReminder, AppointmentStatus, ReminderStatus
from lantern.appointments.reminders import after_quiet_hours, due_at_before, reminders_send_due
from lantern.appointments.services import (
    appointment_book,
    appointment_cancel,
    appointment_reschedule,
)
from lantern.appointments.tasks import send_appointment_reminders
from lantern.notifications.models import (
    DeliveredSms,
    Notification,
    NotificationChannel,
    NotificationKind,
)
from lantern.notifications.testing import deliver_all
from lantern.testing.factories import ProxyRelationshipFactory, UserFactory

from .conftest import NEW_YORK, access_for, at, new_submission, reachable

UTC = dt.UTC
ALICE_MOBILE = "+15555550123"
# The Monday after clocks go forward in New York (Sunday March 8, 2026, 2:00 AM).
AFTER_SPRING_FORWARD = dt.date(2026, 3, 9)
# The Monday after clocks go back (Sunday November 1, 2026, 2:00 AM).
AFTER_FALL_BACK = dt.date(2026, 11, 2)

pytestmark = pytest.mark.django_db


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def book(checkup, location, doctor):
    def book_for(user, start, patient=None):
        return appointment_book(
            access=access_for(user, patient or user.patient),
            visit_type=checkup,
            location=location,
            clinician_id=doctor.pk,
            starts_at=start,
            submission_id=new_submission(),
        )

    return book_for


def due_times(appointment, channel="email") -> list[dt.datetime]:
    return list(
        AppointmentReminder.objects.filter(appointment=appointment, channel=channel)
        .order_by("due_at")
        .values_list("due_at", flat=True)
    )


def sweep_at(moment: dt.datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return reminders_send_due()


def reminder_notifications():
    return Notification.objects.filter(kind=NotificationKind.APPOINTMENT_REMINDER)


def test_booking_writes_email_and_text_reminders_three_days_and_one_day_before(
    alice, book, monday_morning
):
    appointment = book(alice, at(dt.date(2026, 1, 23), 10))

    assert due_times(appointment) == [
        at(dt.date(2026, 1, 20), 10),
        at(dt.date(2026, 1, 22), 10),
    ]
    assert due_times(appointment, "sms") == due_times(appointment)
    assert set(AppointmentReminder.objects.values_list("offset_minutes", "status").distinct()) == {
        (3 * 24 * 60, ReminderStatus.PENDING),
        (24 * 60, ReminderStatus.PENDING),
    }


def test_a_reminder_that_would_be_due_already_is_not_written(alice, book, monday_morning):
    # Booked on Monday for Wednesday: the three-day reminder's time has passed.
    appointment = book(alice, at(dt.date(2026, 1, 14), 10))

    assert due_times(appointment) == [at(dt.date(2026, 1, 13), 10)]


def test_reminders_keep_the_clinics_wall_time_when_the_clocks_go_forward(alice, book):
    with time_machine.travel(dt.datetime(2026, 3, 2, 8, tzinfo=NEW_YORK), tick=False):
        appointment = book(alice, at(AFTER_SPRING_FORWARD, 9))

    assert appointment.starts_at == utc(2026, 3, 9, 13)
    # 9:00 AM EST on Friday and 9:00 AM EDT on Sunday, not 24 hours of elapsed time.
    assert due_times(appointment) == [utc(2026, 3, 6, 14), utc(2026, 3, 8, 13)]


def test_reminders_keep_the_clinics_wall_time_when_the_clocks_go_back(alice, book):
    with time_machine.travel(dt.datetime(2026, 10, 26, 8, tzinfo=NEW_YORK), tick=False):
        appointment = book(alice, at(AFTER_FALL_BACK, 9))

    assert appointment.starts_at == utc(2026, 11, 2, 14)
    assert due_times(appointment) == [utc(2026, 10, 30, 13), utc(2026, 11, 1, 14)]


def test_the_day_before_reminder_is_sent_at_nine_local_on_the_day_the_clocks_change(alice, book):
    reachable(alice)
    with time_machine.travel(dt.datetime(2026, 3, 2, 8, tzinfo=NEW_YORK), tick=False):
        book(alice, at(AFTER_SPRING_FORWARD, 9))

    # Friday 13:59 UTC is 8:59 AM EST: 72 hours of elapsed time would have sent it then.
    assert sweep_at(utc(2026, 3, 6, 13, 59)) == 0
    assert sweep_at(utc(2026, 3, 6, 14)) == 1
    # 12:59 UTC on Sunday is 8:59 AM EDT: not yet. An hour-off reminder would go at 14:00.
    assert sweep_at(utc(2026, 3, 8, 12, 59)) == 0
    assert sweep_at(utc(2026, 3, 8, 13)) == 1
    assert reminder_notifications().count() == 2


def test_a_text_due_in_quiet_hours_waits_for_them_to_end_while_the_email_goes(
    alice, book, monday_morning, settings
):
    settings.APPOINTMENT_REMINDER_OFFSETS = [dt.timedelta(hours=12)]
    reachable(alice, mobile=ALICE_MOBILE, texts=True)
    appointment = book(alice, at(dt.date(2026, 1, 14), 9))

    # 12 hours before 9:00 AM is 9:00 PM the evening before, inside 21:00-08:00.
    assert due_times(appointment) == [at(dt.date(2026, 1, 13), 21)]
    assert due_times(appointment, "sms") == [at(dt.date(2026, 1, 14), 8)]

    assert sweep_at(at(dt.date(2026, 1, 13), 21)) == 1
    assert list(reminder_notifications().values_list("channel", flat=True)) == ["email"]
    assert sweep_at(at(dt.date(2026, 1, 14), 7, 59)) == 0
    assert sweep_at(at(dt.date(2026, 1, 14), 8)) == 1
    assert sorted(reminder_notifications().values_list("channel", flat=True)) == ["email", "sms"]


def test_no_text_is_written_when_quiet_hours_would_hold_it_past_the_visit(
    alice, book, monday_morning, settings
):
    settings.APPOINTMENT_REMINDER_OFFSETS = [dt.timedelta(hours=1)]
    settings.APPOINTMENT_SMS_QUIET_HOURS = (dt.time(21), dt.time(9, 30))
    appointment = book(alice, at(dt.date(2026, 1, 14), 9))

    assert due_times(appointment) == [at(dt.date(2026, 1, 14), 8)]
    assert due_times(appointment, "sms") == []


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (
            dt.datetime(2026, 1, 13, 20, 59, tzinfo=NEW_YORK),
            dt.datetime(2026, 1, 13, 20, 59, tzinfo=NEW_YORK),
        ),
        (
            dt.datetime(2026, 1, 13, 21, 0, tzinfo=NEW_YORK),
            dt.datetime(2026, 1, 14, 8, 0, tzinfo=NEW_YORK),
        ),
        (
            dt.datetime(2026, 1, 14, 2, 30, tzinfo=NEW_YORK),
            dt.datetime(2026, 1, 14, 8, 0, tzinfo=NEW_YORK),
        ),
        (
            dt.datetime(2026, 1, 14, 8, 0, tzinfo=NEW_YORK),
            dt.datetime(2026, 1, 14, 8, 0, tzinfo=NEW_YORK),
        ),
        # Quiet hours across the change to daylight time end at 8:00 AM EDT.
        (
            dt.datetime(2026, 3, 7, 23, 0, tzinfo=NEW_YORK),
            dt.datetime(2026, 3, 8, 8, 0, tzinfo=NEW_YORK),
        ),
    ],
)
def test_quiet_hours_are_read_in_the_locations_zone(local, expected):
    assert after_quiet_hours(local.astimezone(UTC), NEW_YORK) == expected


def test_a_day_before_is_counted_in_wall_time_not_elapsed_time():
    starts_at = dt.datetime(2026, 3, 9, 9, tzinfo=NEW_YORK)

    assert due_at_before(starts_at, NEW_YORK, dt.timedelta(days=1)) == utc(2026, 3, 8, 13)


def test_a_cancelled_visit_gets_no_reminder(alice, book, monday_morning):
    reachable(alice)
    appointment = book(alice, at(dt.date(2026, 1, 23), 10))
    appointment_cancel(access=access_for(alice, alice.patient), appointment_id=appointment.pk)

    assert set(AppointmentReminder.objects.values_list("status", flat=True)) == {
        ReminderStatus.CANCELLED
    }
    assert sweep_at(at(dt.date(2026, 1, 23), 9)) == 0
    assert not reminder_notifications().exists()


def test_a_moved_visit_is_reminded_of_its_new_time_only(alice, book, monday_morning):
    reachable(alice)
    old = book(alice, at(dt.date(2026, 1, 23), 10))
    new = appointment_reschedule(
        access=access_for(alice, alice.patient),
        appointment_id=old.pk,
        starts_at=at(dt.date(2026, 1, 26), 11),
        submission_id=new_submission(),
    )

    assert set(old.reminders.values_list("status", flat=True)) == {ReminderStatus.CANCELLED}
    assert due_times(new) == [at(dt.date(2026, 1, 23), 11), at(dt.date(2026, 1, 25), 11)]
    assert sweep_at(at(dt.date(2026, 1, 26), 10)) == 2
    (first, _) = reminder_notifications()
    assert "Mon, Jan 26, 2026, 11:00 AM EST, clinic time" in first.body


def test_the_sweep_checks_the_visit_is_still_booked_when_it_sends(
    alice, book, doctor, monday_morning
):
    reachable(alice)
    appointment = book(alice, at(dt.date(2026, 1, 23), 10))
    # A status change that did not go through the cancel service (staff marked it meanwhile).
    type(appointment).objects.filter(pk=appointment.pk).update(status=AppointmentStatus.NO_SHOW)

    assert sweep_at(at(dt.date(2026, 1, 22), 10)) == 0
    assert not reminder_notifications().exists()
    assert set(
        AppointmentReminder.objects.filter(due_at__lte=at(dt.date(2026, 1, 22), 10)).values_list(
            "status", flat=True
        )
    ) == {ReminderStatus.CANCELLED}


def test_each_reminder_is_sent_once_however_often_the_sweep_runs(alice, book, monday_morning):
    reachable(alice)
    book(alice, at(dt.date(2026, 1, 23), 10))

    # The three-day and the one-day reminder by email (Alice chose no texts).
    assert sweep_at(at(dt.date(2026, 1, 22), 10)) == 2
    assert sweep_at(at(dt.date(2026, 1, 22), 10, 1)) == 0
    assert sweep_at(at(dt.date(2026, 1, 23), 9)) == 0
    assert reminder_notifications().count() == 2
    assert deliver_all() == 2
    assert len(mail.outbox) == 2


def test_the_message_says_when_where_and_with_whom_and_no_health_details(
    alice, book, checkup, doctor, monday_morning
):
    doctor.first_name, doctor.last_name = "Dee", "Lee"
    doctor.save(update_fields=["first_name", "last_name"])
    checkup.name = "Diabetes follow-up"
    checkup.patient_instructions = "Fast from midnight; bring your insulin."
    checkup.save(update_fields=["name", "patient_instructions"])
    reachable(alice, mobile=ALICE_MOBILE, texts=True)
    book(alice, at(dt.date(2026, 1, 14), 10))

    sweep_at(at(dt.date(2026, 1, 13), 10))
    deliver_all()

    (email,) = mail.outbox
    (text,) = DeliveredSms.objects.all()
    for message in (email.subject + email.body, text.body):
        assert "Wed, Jan 14, 2026, 10:00 AM EST, clinic time" in message
        assert "Riverside Main Street, 1 Main Street, Springfield" in message
        assert "Dee Lee" in message
        for detail in ("Diabetes", "insulin", "Fast", "Check", "Alice", "Adams"):
            assert detail not in message
    assert f"/patients/{alice.patient.pk}/appointments/" in email.body
    assert len(text.body) <= 306


def test_proxies_with_the_appointments_section_are_reminded_too(alice, bob, book, monday_morning):
    reachable(alice)
    reachable(bob)
    helper = UserFactory(username="harriet")
    ProxyRelationshipFactory(
        proxy=helper, patient=alice.patient, permissions=int(ProxyPermission.APPOINTMENTS)
    )
    reachable(helper)
    book(alice, at(dt.date(2026, 1, 14), 10))

    sweep_at(at(dt.date(2026, 1, 13), 10))

    # Bob's access opens the record only, not appointments.
    assert sorted(reminder_notifications().values_list("to_address", flat=True)) == [
        "alice@example.org",
        "harriet@example.org",
    ]


def test_an_account_that_chose_no_texts_gets_email_only(alice, book, monday_morning):
    reachable(alice, mobile=ALICE_MOBILE, texts=False)
    book(alice, at(dt.date(2026, 1, 14), 10))

    # The text row is claimed and finds no one who wants a text.
    sweep_at(at(dt.date(2026, 1, 13), 10))

    assert list(reminder_notifications().values_list("channel", flat=True)) == [
        NotificationChannel.EMAIL
    ]


def test_the_reminder_email_reaches_the_smtp_server_once(alice, book, monday_morning, smtp_server):
    reachable(alice)
    book(alice, at(dt.date(2026, 1, 14), 10))

    sweep_at(at(dt.date(2026, 1, 13), 10))
    sweep_at(at(dt.date(2026, 1, 13), 10, 5))
    deliver_all()
    deliver_all()

    (message,) = smtp_server.messages
    assert smtp_server.envelopes[0][1] == ["alice@example.org"]
    assert message["Subject"] == "Appointment reminder from Lantern Health"
    assert "Wed, Jan 14, 2026, 10:00 AM EST, clinic time" in message.get_content()


def test_the_command_sends_what_is_due(alice, book, monday_morning):
    reachable(alice)
    book(alice, at(dt.date(2026, 1, 14), 10))
    output = io.StringIO()

    with time_machine.travel(at(dt.date(2026, 1, 13), 10), tick=False):
        call_command("send_appointment_reminders", stdout=output)

    assert output.getvalue() == "1 reminder message queued.\n"
    assert reminder_notifications().count() == 1


def test_the_workers_task_sends_what_is_due(alice, book, monday_morning):
    reachable(alice)
    book(alice, at(dt.date(2026, 1, 14), 10))

    with time_machine.travel(at(dt.date(2026, 1, 13), 10), tick=False):
        assert send_appointment_reminders.call() == 1
        assert send_appointment_reminders.call() == 0
