"""Booking benchmark, part of `make bench`: how many visits a second `services.appointment_book`
books, and what 20 people asking for one time at once get.

In a fresh database of the configured engine (DATABASE_URL, SQLite by default): a clinic with
one place, a 15-minute visit patients may book and BENCH_BOOKING_CLINICIANS clinicians (default
10) working every day, and one patient per booking. Each round measures, A B A B:

- the bare write: one transaction inserting one audit event (the least a booking writes);
- sequential bookings: BENCH_BOOKINGS bookings (default 100) one after the other, each at its
  own open time (the service reads the day's open times, inserts the visit, its reminders and
  its audit event in one transaction);
- concurrent bookings: the same number from 4 threads, each its own clinician's times;
- contention: 20 threads booking one time of one clinician at once; exactly one must get it.

It prints the median bookings/s of each and their ratio to the bare write. Figures only.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
BOOKINGS = int(os.environ.get("BENCH_BOOKINGS", "100"))
CLINICIANS = int(os.environ.get("BENCH_BOOKING_CLINICIANS", "10"))
THREADS = 4
CONTENDERS = 20


def main() -> None:
    if connection.vendor == "sqlite":
        # A file, not memory: the threads must share the database.
        connection.settings_dict["TEST"]["NAME"] = os.path.join(
            os.environ["VAR_DIR"], "bench-booking.sqlite3"
        )
    print(
        f"Booking benchmark: services.appointment_book on {connection.vendor}, {ROUNDS} rounds of"
        f" {BOOKINGS} bookings, {CLINICIANS} clinicians"
    )
    rates: dict[str, list[float]] = {"bare write": [], "sequential": [], "4 threads": []}
    winners: list[int] = []
    for _ in range(ROUNDS):
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            clinic = _clinic()
            rates["bare write"].append(_rate(BOOKINGS, _bare_writes, clinic, BOOKINGS))
            slots = iter(_open_slots(clinic, BOOKINGS * 2 + 1))
            sequential = [next(slots) for _ in range(BOOKINGS)]
            rates["sequential"].append(_rate(BOOKINGS, _book_all, clinic, sequential))
            threaded = [next(slots) for _ in range(BOOKINGS)]
            rates["4 threads"].append(_rate(BOOKINGS, _book_threaded, clinic, threaded))
            winners.append(_contend(clinic, next(slots)))
        finally:
            connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    bare = statistics.median(rates["bare write"])
    for label, found in rates.items():
        median = statistics.median(found)
        print(f"  {label:<12} median {median:7.0f}/s  ratio {median / bare:5.2f}")
    print(f"  {CONTENDERS} people booking one time at once: winners per round {winners}")


def _rate(count: int, work, *args) -> float:
    started = time.perf_counter()
    work(*args)
    return count / (time.perf_counter() - started)


def _clinic() -> dict:
    from lantern.access.models import StaffRole
    from lantern.appointments.models import Location, VisitType, WeeklyHours
    from lantern.testing.factories import (
        OrganizationFactory,
        PatientFactory,
        StaffMembershipFactory,
        UserFactory,
    )

    organization = OrganizationFactory(name="Benchmark Clinic")
    location = Location.objects.create(
        organization=organization, name="Main", time_zone="America/New_York"
    )
    visit_type = VisitType.objects.create(
        organization=organization,
        name="Check-up",
        length_minutes=15,
        patients_may_book=True,
        booking_horizon_days=60,
    )
    clinicians = []
    for number in range(CLINICIANS):
        user = UserFactory(username=f"bench-clinician-{number}", is_staff=True)
        StaffMembershipFactory(user=user, organization=organization, role=StaffRole.CLINICIAN)
        WeeklyHours.objects.bulk_create(
            WeeklyHours(
                clinician=user,
                location=location,
                weekday=weekday,
                starts_at=dt.time(0),
                ends_at=dt.time(23, 45),
            )
            for weekday in range(7)
        )
        clinicians.append(user)
    patients = [
        PatientFactory(managing_organization=organization) for _ in range(BOOKINGS * 3 + CONTENDERS)
    ]
    return {
        "organization": organization,
        "location": location,
        "visit_type": visit_type,
        "clinicians": clinicians,
        "patients": iter(patients),
        "patient_lock": threading.Lock(),
    }


def _open_slots(clinic: dict, count: int) -> list[tuple[int, dt.datetime]]:
    """`count` (clinician id, start) pairs from tomorrow on, spread over the clinicians."""
    from lantern.appointments.selectors import open_times

    tomorrow = timezone.now().astimezone(clinic["location"].zone).date() + dt.timedelta(days=1)
    slots: list[tuple[int, dt.datetime]] = []
    day = tomorrow
    while len(slots) < count:
        for time_open in open_times(
            visit_type=clinic["visit_type"], location=clinic["location"], start_date=day, days=1
        ):
            slots.extend((clinician, time_open.starts_at) for clinician in time_open.clinician_ids)
        day += dt.timedelta(days=1)
    return slots[:count]


def _access(clinic: dict):
    from lantern.access.policy import PatientAccess
    from lantern.audit.models import ActorRole

    with clinic["patient_lock"]:
        patient = next(clinic["patients"])
    return PatientAccess(user=clinic["clinicians"][0], patient=patient, role=ActorRole.STAFF)


def _book(clinic: dict, clinician_id: int, starts_at: dt.datetime):
    from lantern.appointments import services

    return services.appointment_book(
        access=_access(clinic),
        visit_type=clinic["visit_type"],
        location=clinic["location"],
        clinician_id=clinician_id,
        starts_at=starts_at,
        submission_id=uuid.uuid4(),
    )


def _book_all(clinic: dict, slots: list[tuple[int, dt.datetime]]) -> None:
    for clinician_id, starts_at in slots:
        _book(clinic, clinician_id, starts_at)


def _book_threaded(clinic: dict, slots: list[tuple[int, dt.datetime]]) -> None:
    def book_share(share: list[tuple[int, dt.datetime]]) -> None:
        try:
            _book_all(clinic, share)
        finally:
            close_old_connections()
            connection.close()

    shares = [slots[number::THREADS] for number in range(THREADS)]
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(book_share, shares))


def _contend(clinic: dict, slot: tuple[int, dt.datetime]) -> int:
    from lantern.appointments.services import AppointmentError

    barrier = threading.Barrier(CONTENDERS)

    def try_once(_: int) -> bool:
        try:
            barrier.wait()
            _book(clinic, *slot)
            return True
        except AppointmentError:
            return False
        finally:
            connection.close()

    with ThreadPoolExecutor(CONTENDERS) as pool:
        return sum(pool.map(try_once, range(CONTENDERS)))


def _bare_writes(clinic: dict, count: int) -> None:
    from lantern.access.policy import access_record

    for _ in range(count):
        access = _access(clinic)
        with transaction.atomic():
            access_record(access, object_type="Benchmark")


if __name__ == "__main__":
    import run  # noqa: F401  (benchmarks/run.py sets Django up)

    main()
