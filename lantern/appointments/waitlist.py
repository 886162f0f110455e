"""The waitlist: patients with a booked visit who would take an earlier time.

A patient (or a proxy with the appointments section) puts a booked visit on the list, saying
whether any clinician at the place will do. When a visit is cancelled or moved, the time it
frees is offered (`offers_for_freed_time`, run by the task worker once the change committed) to
the first WAITLIST_OFFERS_PER_TIME entries, oldest first, whose visit is of the same type, at the
same place, later than the freed time, with the same clinician unless any will do. Each offer
lasts settings.WAITLIST_OFFER_MINUTES. The first to accept gets the time: accepting moves their
visit with `services.appointment_reschedule`, which is atomic, and the database refuses a second
visit at that time, so of two people accepting at once one is told it has gone. The others still
holding an offer for that time are told so by email/text.

Messages say only when, where and with whom, and link to the offer's page.
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lantern.access.models import Section
from lantern.access.policy import PatientAccess, access_record, object_get, section_require
from lantern.audit.models import AuditAction
from lantern.notifications.models import NotificationChannel, NotificationEvent, NotificationKind
from lantern.notifications.preferences import notify_patient_accounts

from .dates import clinic_time_words, lazy_clinic_time_words, lazy_moment_words
from .models import (
    LIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    Location,
    OfferStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from .reminders import appointment_notice_context, in_quiet_hours
from .selectors import open_times, records_for_appointments
from .services import AppointmentError, SlotNotOpen, SlotTaken, appointment_reschedule

ENTRY_OBJECT_TYPE = "WaitlistEntry"
OFFER_OBJECT_TYPE = "WaitlistOffer"
# How many patients one freed time is offered to at once (the first to accept gets it).
WAITLIST_OFFERS_PER_TIME = 5


class OfferState(StrEnum):
    """What an offer's page says, from its row and the time now."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    TAKEN = "taken"
    EXPIRED = "expired"
    # The visit it would have moved was cancelled or changed meanwhile.
    VISIT_CHANGED = "visit_changed"


def waitlist_join(
    *, access: PatientAccess, appointment_id: uuid.UUID | str, any_clinician: bool
) -> WaitlistEntry:
    """Put a coming, booked visit on the waitlist for an earlier time (again: updates it)."""
    section_require(access, Section.APPOINTMENTS)
    with transaction.atomic():
        appointment = _appointment_get(access, appointment_id)
        if (
            appointment.status != AppointmentStatus.BOOKED
            or appointment.starts_at <= timezone.now()
        ):
            raise AppointmentError(_("Only a coming visit can wait for an earlier time."))
        if not appointment.visit_type.patients_may_book:
            raise AppointmentError(
                _("Please call the clinic to ask for an earlier time for this visit.")
            )
        entry, _created = WaitlistEntry.objects.update_or_create(
            appointment=appointment,
            defaults={
                "status": WaitlistStatus.WAITING,
                "any_clinician": any_clinician,
                "joined_by": access.user,
            },
        )
        access_record(
            access, action=AuditAction.CREATE, object_type=ENTRY_OBJECT_TYPE, object_id=entry.pk
        )
    return entry


def waitlist_leave(*, access: PatientAccess, appointment_id: uuid.UUID | str) -> None:
    """Take a visit off the waitlist; leaving twice changes nothing."""
    section_require(access, Section.APPOINTMENTS)
    with transaction.atomic():
        appointment = _appointment_get(access, appointment_id)
        entry = WaitlistEntry.objects.filter(appointment=appointment).first()
        if entry is not None and entry.status == WaitlistStatus.WAITING:
            WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistStatus.WAITING).update(
                status=WaitlistStatus.LEFT, updated_at=timezone.now()
            )
            access_record(
                access, action=AuditAction.UPDATE, object_type=ENTRY_OBJECT_TYPE, object_id=entry.pk
            )


def offers_for_freed_time(*, appointment_id: uuid.UUID | str) -> list[WaitlistOffer]:
    """Offer the time a cancelled or moved visit gave up to the matching waitlist entries.

    Nothing is offered for a time that has passed, or that is no longer open (booked again, or
    partly still held by the same visit moved a little). Running it twice offers nothing twice.
    """
    now = timezone.now()
    freed = (
        Appointment.objects.select_related("location", "visit_type", "clinician")
        .filter(pk=appointment_id)
        .first()
    )
    if freed is None or freed.status in LIVE_STATUSES or freed.starts_at <= now:
        return []
    if not _still_open(freed):
        return []
    cutoff = dt.timedelta(hours=freed.visit_type.cancellation_cutoff_hours)
    entries = (
        WaitlistEntry.objects.filter(
            Q(appointment__clinician_id=freed.clinician_id) | Q(any_clinician=True),
            status=WaitlistStatus.WAITING,
            appointment__status=AppointmentStatus.BOOKED,
            appointment__visit_type_id=freed.visit_type_id,
            appointment__location_id=freed.location_id,
            appointment__starts_at__gt=max(freed.starts_at, now + cutoff),
        )
        .exclude(
            pk__in=WaitlistOffer.objects.filter(
                clinician_id=freed.clinician_id, starts_at=freed.starts_at
            ).values("entry_id")
        )
        .select_related("appointment__patient")
        .order_by("created_at", "pk")[:WAITLIST_OFFERS_PER_TIME]
    )
    expires_at = min(now + dt.timedelta(minutes=settings.WAITLIST_OFFER_MINUTES), freed.starts_at)
    offers = []
    with transaction.atomic():
        for entry in entries:
            offer = WaitlistOffer.objects.create(
                entry=entry,
                clinician_id=freed.clinician_id,
                location=freed.location,
                starts_at=freed.starts_at,
                expires_at=expires_at,
            )
            _offer_announce(offer, entry, freed, now)
            offers.append(offer)
    return offers


def offer_for(access: PatientAccess, offer_id: uuid.UUID | str) -> WaitlistOffer:
    """One of the patient's offers, with what its page shows, recorded as viewed."""
    return _offer_get(access, offer_id, record=True)


def offer_state(offer: WaitlistOffer, *, now: dt.datetime | None = None) -> OfferState:
    """Where an offer stands for its patient (one query while it is open)."""
    now = now or timezone.now()
    if offer.status != OfferStatus.OFFERED:
        return OfferState(offer.status)
    if offer.entry.appointment.status != AppointmentStatus.BOOKED:
        return OfferState.VISIT_CHANGED
    if now >= offer.expires_at:
        return OfferState.EXPIRED
    if _time_held(offer):
        return OfferState.TAKEN
    return OfferState.OPEN


def waitlist_offer_accept(*, access: PatientAccess, offer_id: uuid.UUID | str) -> OfferState:
    """Take the offered time: the patient's visit moves to it, if it is still free.

    Returns ACCEPTED, or why not (TAKEN when someone else was first). Accepting twice finds the
    offer accepted. The move, the offer and the notices to the others are one transaction.
    """
    section_require(access, Section.APPOINTMENTS)
    offer = _offer_get(access, offer_id, record=False)
    state = offer_state(offer)
    if state != OfferState.OPEN:
        return state
    now = timezone.now()
    with transaction.atomic():
        try:
            appointment_reschedule(
                access=access,
                appointment_id=offer.entry.appointment_id,
                starts_at=offer.starts_at,
                clinician_id=offer.clinician_id,
                location=offer.location,
                # The offer's id: a retried accept finds the visit it made.
                submission_id=offer.pk,
            )
        except (SlotTaken, SlotNotOpen):
            _offer_close(offer, OfferStatus.TAKEN, now)
            access_record(
                access, action=AuditAction.UPDATE, object_type=OFFER_OBJECT_TYPE, object_id=offer.pk
            )
            return OfferState.TAKEN
        _offer_close(offer, OfferStatus.ACCEPTED, now)
        WaitlistEntry.objects.filter(pk=offer.entry_id).update(
            status=WaitlistStatus.MOVED, updated_at=now
        )
        _others_told_it_has_gone(offer, now)
        access_record(
            access, action=AuditAction.UPDATE, object_type=OFFER_OBJECT_TYPE, object_id=offer.pk
        )
    return OfferState.ACCEPTED


def waitlist_offer_decline(*, access: PatientAccess, offer_id: uuid.UUID | str) -> OfferState:
    """Say no to an offer; the visit stays as it is and on the list. Returns the offer's state."""
    section_require(access, Section.APPOINTMENTS)
    offer = _offer_get(access, offer_id, record=False)
    state = offer_state(offer)
    if state != OfferState.OPEN:
        return state
    with transaction.atomic():
        _offer_close(offer, OfferStatus.DECLINED, timezone.now())
        access_record(
            access, action=AuditAction.UPDATE, object_type=OFFER_OBJECT_TYPE, object_id=offer.pk
        )
    return OfferState.DECLINED


def _appointment_get(access: PatientAccess, appointment_id: uuid.UUID | str) -> Appointment:
    queryset = records_for_appointments(access).select_related("visit_type")
    return object_get(access, queryset, appointment_id, object_type="Appointment", record=False)


def _offer_get(access: PatientAccess, offer_id: uuid.UUID | str, *, record: bool) -> WaitlistOffer:
    """The patient's offer `offer_id` with what its page shows; another's is ObjectNotFound."""
    offers = WaitlistOffer.objects.filter(entry__appointment__patient=access.patient)
    return object_get(
        access,
        offers.select_related("entry__appointment__location", "location", "clinician"),
        offer_id,
        object_type=OFFER_OBJECT_TYPE,
        owner_field="entry__appointment__patient",
        record=record,
    )


def _still_open(freed: Appointment) -> bool:
    times = open_times(
        visit_type=freed.visit_type,
        location=freed.location,
        start_date=freed.starts_at.astimezone(freed.location.zone).date(),
        clinician_id=freed.clinician_id,
        days=1,
    )
    return any(time.starts_at == freed.starts_at for time in times)


def _time_held(offer: WaitlistOffer) -> bool:
    """Whether a live visit of the clinician now overlaps the offered time."""
    length = offer.entry.appointment.ends_at - offer.entry.appointment.starts_at
    return Appointment.objects.filter(
        clinician_id=offer.clinician_id,
        status__in=LIVE_STATUSES,
        starts_at__lt=offer.starts_at + length,
        ends_at__gt=offer.starts_at,
    ).exists()


def _offer_close(offer: WaitlistOffer, status: OfferStatus, now: dt.datetime) -> None:
    WaitlistOffer.objects.filter(pk=offer.pk).update(
        status=status, responded_at=now, updated_at=now
    )
    offer.status = status
    offer.responded_at = now


def _offer_path(offer: WaitlistOffer, patient_id: uuid.UUID) -> str:
    return reverse(
        "appointments:waitlist_offer", kwargs={"patient_id": patient_id, "offer_id": offer.pk}
    )


def _offer_announce(
    offer: WaitlistOffer, entry: WaitlistEntry, freed: Appointment, now: dt.datetime
) -> None:
    zone = freed.location.zone
    patient = entry.appointment.patient
    notify_patient_accounts(
        patient=patient,
        event=NotificationEvent.WAITLIST_OFFER,
        dedupe_key=f"waitlist-offer:{offer.pk}",
        context={
            **appointment_notice_context(freed),
            "expires": lazy_moment_words(offer.expires_at, zone, "moment"),
        },
        path=_offer_path(offer, patient.pk),
        # No text messages at night: the offer goes by email then, if the account has it.
        channels={NotificationChannel.EMAIL} if in_quiet_hours(now, zone) else None,
    )


def _others_told_it_has_gone(accepted: WaitlistOffer, now: dt.datetime) -> None:
    others = (
        WaitlistOffer.objects.filter(
            clinician_id=accepted.clinician_id,
            starts_at=accepted.starts_at,
            status=OfferStatus.OFFERED,
        )
        .exclude(pk=accepted.pk)
        .select_related("entry__appointment__patient", "location")
    )
    for other in others:
        _offer_close(other, OfferStatus.TAKEN, now)
        if other.expires_at <= now:
            continue
        patient = other.entry.appointment.patient
        notify_patient_accounts(
            patient=patient,
            event=NotificationEvent.WAITLIST_OFFER,
            kind=NotificationKind.WAITLIST_OFFER_GONE,
            dedupe_key=f"waitlist-offer-gone:{other.pk}",
            context={"time": lazy_clinic_time_words(other.starts_at, other.location.zone)},
            path=_offer_path(other, patient.pk),
            channels=(
                {NotificationChannel.EMAIL} if in_quiet_hours(now, other.location.zone) else None
            ),
        )


def clinic_time_of(moment: dt.datetime, location: Location) -> str:
    """A moment as a patient reads it: "Mon, Mar 9, 2026, 9:00 AM EDT, clinic time"."""
    return clinic_time_words(moment, location.zone)
