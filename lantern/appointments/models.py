"""Where and what a clinic offers visits, when its clinicians work, and the visits booked.

Open times are never stored: `selectors.open_times` computes them from weekly hours (local
times in the location's zone), exceptions and the live appointments. Appointments are instants
in UTC; the database itself refuses two live appointments of one clinician that overlap
(migration 0002: an exclusion constraint on PostgreSQL, triggers on SQLite).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import pgettext_lazy

from lantern.audit.models import ActorRole
from lantern.clinical.models import Organization, Patient
from lantern.core.models import PublicIdModel, TimestampedModel


def validate_time_zone(value: str) -> None:
    """An IANA time zone name that this machine's zone database knows ("America/New_York")."""
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(
            "%(value)s is not a time zone name. Use an IANA name such as America/New_York.",
            params={"value": value},
        ) from error


class Location(TimestampedModel):
    """A place where a clinic sees patients, with the time zone its hours are kept in."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="appointment_locations"
    )
    name = models.CharField(max_length=200)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(
        max_length=64,
        validators=[validate_time_zone],
        help_text="The IANA name of the zone the location's hours are in, e.g. America/New_York.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organization__name", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class VisitType(TimestampedModel):
    """A kind of visit a clinic offers: how long it lasts and who may book or cancel it when."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="visit_types"
    )
    name = models.CharField(max_length=200)
    length_minutes = models.PositiveSmallIntegerField(
        help_text="How long the visit lasts; open times are offered on a grid of this length."
    )
    patient_instructions = models.TextField(blank=True)
    patients_may_book = models.BooleanField(
        default=False, help_text="Whether patients and their proxies may book it themselves."
    )
    booking_horizon_days = models.PositiveSmallIntegerField(
        default=60, help_text="How many days ahead it may be booked."
    )
    cancellation_cutoff_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text="Patients may not cancel or move it online this many hours before it starts.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(length_minutes__gte=5, length_minutes__lte=480),
                name="visit_type_length_5_to_480_minutes",
            ),
            models.CheckConstraint(
                condition=Q(booking_horizon_days__gte=1), name="visit_type_horizon_at_least_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.length_minutes} min)"


class Weekday(models.IntegerChoices):
    # Python's date.weekday() numbering.
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WeeklyHours(TimestampedModel):
    """A clinician's regular hours at a location on one weekday, in the location's local time."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_hours"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="weekly_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField(help_text="Local time at the location.")
    ends_at = models.TimeField(help_text="Local time at the location.")

    class Meta:
        verbose_name_plural = "weekly hours"
        ordering = ["clinician_id", "weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__in=Weekday.values), name="weekly_hours_weekday_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="weekly_hours_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class ExceptionKind(models.TextChoices):
    BLOCKED = "blocked", "Blocked time"
    HOLIDAY = "holiday", "Holiday"
    EXTRA_HOURS = "extra_hours", "Extra hours"


class ScheduleException(TimestampedModel):
    """A one-off change to a clinician's hours: time off (anywhere), or extra hours at a place."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="schedule_exceptions"
    )
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="schedule_exceptions",
        help_text="Needed for extra hours; blocked time and holidays apply at every location.",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=ExceptionKind.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ExceptionKind.values), name="schedule_exception_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="schedule_exception_end_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(kind=ExceptionKind.EXTRA_HOURS) | Q(location__isnull=False),
                name="schedule_exception_extra_hours_have_a_location",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.starts_at:%Y-%m-%d %H:%M}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", pgettext_lazy("appointment status", "Booked")
    ARRIVED = "arrived", pgettext_lazy("appointment status", "Arrived")
    NO_SHOW = "no_show", pgettext_lazy("appointment status", "Did not attend")
    CANCELLED = "cancelled", pgettext_lazy("appointment status", "Cancelled")
    COMPLETED = "completed", pgettext_lazy("appointment status", "Completed")


# The statuses that hold the clinician's time; the no-overlap guard covers only these. Its SQL
# (migration 0002) names the same values.
LIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)
# No visit lasts longer (booking gives a visit type's length, at most 8 hours; the HL7 v2 interface
# refuses a longer one). Reads of the visits that overlap a time span start their index search
# this long before the span (`starting_near`), so they read that span's visits, not a whole
# history.
LONGEST_VISIT = dt.timedelta(hours=24)


def starting_near(start: dt.datetime, end: dt.datetime) -> Q:
    """Visits that overlap [start, end): bounded on `starts_at` both ways, so an index on it
    reads only the visits near the span whatever the number of visits before it."""
    return Q(starts_at__gt=start - LONGEST_VISIT, starts_at__lt=end, ends_at__gt=start)


class Appointment(PublicIdModel, TimestampedModel):
    """One visit of a patient with a clinician, at instants stored in UTC.

    Written only by `services.py`. `submission_id` is the booking form's key: a retried or
    double-clicked booking by the same person finds the first appointment.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments_given"
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    visit_type = models.ForeignKey(VisitType, on_delete=models.PROTECT, related_name="appointments")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments_booked",
    )
    booked_by_role = models.CharField(max_length=10, choices=ActorRole.choices)
    submission_id = models.UUIDField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments_cancelled",
    )
    cancellation_reason = models.CharField(max_length=300, blank=True)
    # The appointment this one replaced when a visit was moved (that one is cancelled).
    rescheduled_from = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rescheduled_to",
    )

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["clinician", "starts_at"], name="appointment_clinician_start"),
            # A place's day (the staff day view), whatever the number of visits before it.
            models.Index(fields=["location", "starts_at"], name="appointment_location_start"),
            # A patient's visits by time (their appointments page, the home page's next visit).
            models.Index(fields=["patient", "starts_at"], name="appointment_patient_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AppointmentStatus.values), name="appointment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(booked_by_role__in=ActorRole.values),
                name="appointment_booked_by_role_valid",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="appointment_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["booked_by", "submission_id"],
                condition=Q(submission_id__isnull=False),
                name="appointment_submission_once_per_booker",
            ),
        ]

    def __str__(self) -> str:
        return f"Appointment {self.pk} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENT = "sent", "Sent"
    # The visit was cancelled, moved or is no longer coming: nothing was or will be sent.
    CANCELLED = "cancelled", "Not sent"


class ReminderChannel(models.TextChoices):
    # The same values as notifications' NotificationChannel.
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class AppointmentReminder(TimestampedModel):
    """One reminder of one visit on one channel, `offset_minutes` before it, due at `due_at`.

    Written by `reminders.py` when a visit is booked or moved; claimed by the sweep with a
    conditional UPDATE (and `SKIP LOCKED` on PostgreSQL), so each is sent once. A text message
    due in the quiet hours is due when they end; an email is due on time.
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    offset_minutes = models.PositiveIntegerField()
    channel = models.CharField(max_length=10, choices=ReminderChannel.choices)
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="appointment_reminder_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "offset_minutes", "channel"],
                name="appointment_reminder_once_per_offset_and_channel",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReminderStatus.values),
                name="appointment_reminder_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=ReminderChannel.values),
                name="appointment_reminder_channel_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=ReminderStatus.SENT, sent_at__isnull=False)
                    | (~Q(status=ReminderStatus.SENT) & Q(sent_at__isnull=True))
                ),
                name="appointment_reminder_sent_at_iff_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder {self.offset_minutes} min before, by {self.channel} ({self.status})"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for an earlier time"
    LEFT = "left", "Left the list"
    # The patient accepted an offer: their visit moved to the earlier time.
    MOVED = "moved", "Moved to an earlier time"


class WaitlistEntry(PublicIdModel, TimestampedModel):
    """A patient's wish to see the clinic sooner than their booked visit.

    One per appointment (leaving and joining again reuse it). Only a booked visit whose visit
    type patients may book themselves can wait; an offer for an earlier time is made when one
    opens (`waitlist.py`).
    """

    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="waitlist_entry"
    )
    # Whether any clinician at the place will do, or only the one the visit is with.
    any_clinician = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    joined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "waitlist entries"
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=WaitlistStatus.values), name="waitlist_entry_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Waitlist entry {self.pk} ({self.status})"

    @property
    def is_waiting(self) -> bool:
        return self.status == WaitlistStatus.WAITING


class OfferStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    # Someone else accepted the time first, or it was booked another way.
    TAKEN = "taken", "Taken by someone else"


class WaitlistOffer(PublicIdModel, TimestampedModel):
    """An earlier time offered to one waitlist entry, until `expires_at`.

    Several entries are offered one freed time at once; the first to accept gets it (moving a
    visit is atomic and the database refuses a second visit at that time). An offer still
    "offered" after `expires_at` has expired.
    """

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=OfferStatus.choices, default=OfferStatus.OFFERED
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["clinician", "starts_at"], name="waitlist_offer_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "clinician", "starts_at"],
                name="waitlist_offer_once_per_entry_and_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=OfferStatus.values), name="waitlist_offer_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Waitlist offer {self.pk} ({self.status})"


class BookingTicketStatus(models.TextChoices):
    OPEN = "open", "Waiting to be booked"
    USED = "used", "Booked"
    WITHDRAWN = "withdrawn", "Withdrawn"


class BookingTicket(PublicIdModel, TimestampedModel):
    """A clinic's invitation to a patient to book one visit themselves ("a ticket"): the visit
    type, optionally the place and clinician, and the local dates it may be booked between.

    The patient (or a proxy with the appointments permission) books it from their home page even
    when the visit type is not one patients may book on their own; booking uses it up, in the
    transaction that makes the appointment. Written only by `tickets.py`.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="booking_tickets")
    visit_type = models.ForeignKey(
        VisitType, on_delete=models.PROTECT, related_name="booking_tickets"
    )
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="booking_tickets",
        help_text="Empty: any of the clinic's places.",
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="booking_tickets_to_see",
        help_text="Empty: whoever is first available.",
    )
    earliest_on = models.DateField(help_text="The first day it may be booked for (clinic date).")
    latest_on = models.DateField(help_text="The last day it may be booked for (clinic date).")
    note = models.CharField(
        max_length=300, blank=True, help_text="Shown to the patient in the portal only."
    )
    status = models.CharField(
        max_length=20, choices=BookingTicketStatus.choices, default=BookingTicketStatus.OPEN
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="booking_tickets_sent",
    )
    submission_id = models.UUIDField(null=True, blank=True)
    appointment = models.OneToOneField(
        Appointment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="booking_ticket",
    )

    class Meta:
        ordering = ["latest_on", "created_at"]
        indexes = [
            models.Index(fields=["patient", "status"], name="booking_ticket_patient_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BookingTicketStatus.values),
                name="booking_ticket_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(latest_on__gte=F("earliest_on")),
                name="booking_ticket_dates_in_order",
            ),
            models.CheckConstraint(
                condition=~Q(status=BookingTicketStatus.USED) | Q(appointment__isnull=False),
                name="booking_ticket_used_names_its_appointment",
            ),
            models.UniqueConstraint(
                fields=["sent_by", "submission_id"],
                condition=Q(submission_id__isnull=False),
                name="booking_ticket_submission_once_per_sender",
            ),
        ]

    def __str__(self) -> str:
        return f"Booking ticket {self.pk} ({self.status})"
