"""Demo data for trying Lantern out: three synthetic patients and four accounts to sign in with.

All three patients are at the demo staff's clinic. Only Jill Tillman has an account (with a
confirmed email, for trying recovery); Mathilda O'Keefe has a sign-up request waiting for review
and Elsa Vargas can be given an activation code. Two of Jill's lab values carry a reference range,
one of them flagged high.

None of the demo accounts is a Django admin user: the demo administrator is the demo clinic's
administrator, who manages its staff in the staff console. People who run a deployment make
their own admin account with `manage.py createsuperuser`; a rerun of load_demo takes admin
rights away from a demo account that had them (earlier versions made `demo-admin` a superuser).

`demo_data_load` can run any number of times: the bundles re-import as unchanged, the accounts are
found by username, and the passwords are generated once and kept in `VAR_DIR/demo-logins.txt`, so
every run prints the same sign-ins and a second run writes nothing. Each account also has its
second factors: an authenticator app (its secret is in the file, to type into an app) and ten
backup codes, kept in the same file and kept the same on every run.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.access.models import (
    ProxyKind,
    ProxyPermission,
    ProxyRelationship,
    ProxyStatus,
    StaffMembership,
    StaffRole,
)
from lantern.accounts.models import User
from lantern.appointments.models import (
    Appointment,
    BookingTicket,
    BookingTicketStatus,
    Location,
    VisitType,
    WeeklyHours,
)
from lantern.appointments.reminders import reminders_schedule
from lantern.audit.models import ActorRole
from lantern.clinical.models import (
    Observation,
    ObservationCategory,
    ObservationStatus,
    ObservationValueType,
    Organization,
    Patient,
)
from lantern.demo.refills import demo_refills_ensure
from lantern.enrollment.models import EnrollmentRequest
from lantern.interop.fhir_import import ImportReport, import_paths
from lantern.messaging.models import MessagePool
from lantern.mfa.services import backup_code_hash, backup_codes_set, new_backup_code

DEMO_SOURCE_SYSTEM = "demo"
BUNDLE_DIR = Path(__file__).resolve().parent / "bundles"
BUNDLE_FILES = (
    "Jill_Tillman_c4b7d178-c437-4202-9fb0-1b64afb8bc09.json",
    "Mathilda_OKeefe_e96a4adf-fbc9-4983-b6cd-16b1815bb634.json",
    "Elsa_Vargas_61e3368b-5e7e-45ee-a256-874b26192263.json",
)
# Jill Tillman's Patient.id in her bundle: the demo patient account is linked to her record, and
# the demo staff work at her clinic (her managing organization).
DEMO_PATIENT_FHIR_ID = "f341c771-5aff-4858-9406-9d45e8a56246"
LOGINS_FILE_NAME = "demo-logins.txt"
LOGINS_FILE_HEADER = (
    "# Lantern demo sign-ins: synthetic patients, for trying Lantern out; not for production.\n"
    "# Written once by `python manage.py load_demo`, which keeps these passwords on every run.\n"
    "# Delete this file and run load_demo again to choose new passwords.\n"
    "# account      username      password\n"
    "# account      username      authenticator <secret>   (type it into an authenticator app)\n"
    "# account      username      backup-codes <ten codes> (each works once)\n"
)
# The shared inboxes the demo clinic offers patients: (name, description), in this order.
DEMO_MESSAGE_POOLS = (
    ("Nursing", "Questions about symptoms, medicines and test results"),
    ("Scheduling", "Booking, moving or cancelling a visit"),
    ("Billing questions", "Bills, payments and insurance"),
)
# Mathilda O'Keefe has no account: her sign-up request waits in the demo clinic's queue, so
# "review a sign-up" can be tried; Elsa Vargas has none either, for "issue an activation code".
DEMO_SIGN_UP_FHIR_ID = "c7792da2-a72f-4c0a-9dd8-05c5809008f1"
DEMO_SIGN_UP_KEY = "demo-sign-up-mathilda-okeefe"
DEMO_SIGN_UP_EMAIL = "mathilda.okeefe@example.org"
DEMO_SIGN_UP_PHONE = "555-0134"
# Synthea gives lab values without reference ranges or flags. The demo adds a range (and the
# flag it implies) to two of Jill Tillman's 2020 blood count values, so a result with a range
# and a flag can be seen: (Observation.id, low, high, interpretation code, its words).
DEMO_RESULT_RANGES = (
    ("f9e455ad-1709-415a-ad9a-2b0a8561a0e5", 12.0, 15.5, "N", "Normal"),
    ("46ab127f-3a68-48a5-8aeb-786988ee165b", 7.5, 11.5, "H", "High"),
)
# Where and what the demo clinic offers visits, so open times exist from the first run:
# (name, length in minutes, patients may book, instructions); the demo doctor works at the
# location Monday to Friday, 9:00 to 17:00 in its time zone.
DEMO_LOCATION = "Main Street clinic"
DEMO_LOCATION_TIME_ZONE = "America/New_York"
DEMO_VISIT_TYPES = (
    ("Check-up", 30, True, "Please arrive 10 minutes early and bring your medicines."),
    ("Minor procedure", 60, False, "The clinic will tell you how to prepare."),
)
DEMO_WORKING_HOURS = (dt.time(9), dt.time(17))
AUTHENTICATOR_FIELD = "authenticator"
BACKUP_CODES_FIELD = "backup-codes"
DEMO_DEVICE_NAME = "Authenticator app"


class DemoDataError(Exception):
    """The demo data could not be loaded; the message names the file or record and says why."""


@dataclass(frozen=True)
class DemoAccount:
    """One demo account. `key` is its first column in the logins file."""

    key: str
    username: str
    first_name: str
    last_name: str
    staff_role: StaffRole | None = None
    is_patient: bool = False
    # A parent with proxy access to the demo children (DEMO_CHILDREN), not a patient themselves.
    is_parent: bool = False


DEMO_ACCOUNTS = (
    DemoAccount("patient", "demo-patient", "Jill", "Tillman", is_patient=True),
    DemoAccount("nurse", "demo-nurse", "Nora", "Demo", staff_role=StaffRole.NURSE),
    # A clinician, so the demo patient can write to a named person as well as to a pool.
    DemoAccount(
        "clinician",
        "demo-doctor",
        "Dev",
        "Demo",
        staff_role=StaffRole.CLINICIAN,
    ),
    DemoAccount(
        "administrator",
        "demo-admin",
        "Ada",
        "Demo",
        staff_role=StaffRole.ADMINISTRATOR,
    ),
    DemoAccount("parent", "demo-parent", "Paula", "Parent", is_parent=True),
)


@dataclass(frozen=True)
class DemoChild:
    """A generated child of the demo parent (not from a bundle): made once, with one lab value."""

    fhir_id: str
    given_names: str
    age: int  # on the day of the first load; the birth date is kept after that
    sex: str


# A young child (the parent sees all that is granted) and a teenager (only what a parent of a
# 12 to 17 year old keeps: no messages, notes or documents, no downloads).
DEMO_CHILDREN = (
    DemoChild("demo-child-milo", "Milo", 7, "male"),
    DemoChild("demo-child-rosa", "Rosa", 15, "female"),
)
DEMO_FAMILY_NAME = "Parent"


@dataclass(frozen=True)
class DemoFactors:
    """A demo account's second factors: the authenticator secret (base32) and backup codes."""

    authenticator_secret: str
    backup_codes: tuple[str, ...]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    description: str
    factors: DemoFactors | None = None


@dataclass(frozen=True)
class DemoLoadResult:
    report: ImportReport
    patient: Patient
    clinic: Organization
    logins: list[DemoLogin]
    logins_path: Path


def demo_data_load(*, bundle_dir: Path = BUNDLE_DIR) -> DemoLoadResult:
    """Import the demo bundles and make sure the demo accounts exist with their saved passwords."""
    report = import_paths(
        [bundle_dir / name for name in BUNDLE_FILES], source_system=DEMO_SOURCE_SYSTEM
    )
    if report.failed:
        raise DemoDataError(
            "The demo bundles did not import: "
            + "; ".join(failure.describe() for failure in report.failed)
        )
    patient = (
        Patient.objects.select_related("managing_organization")
        .filter(source_system=DEMO_SOURCE_SYSTEM, fhir_id=DEMO_PATIENT_FHIR_ID)
        .first()
    )
    if patient is None:
        raise DemoDataError(
            f"{bundle_dir / BUNDLE_FILES[0]} has no Patient {DEMO_PATIENT_FHIR_ID} for the demo "
            "patient account."
        )
    clinic = patient.managing_organization
    if clinic is None:
        raise DemoDataError(
            f"The demo patient {DEMO_PATIENT_FHIR_ID} has no managing organization, so the demo "
            "staff have no clinic to work at."
        )

    logins_path = Path(settings.VAR_DIR) / LOGINS_FILE_NAME
    passwords = _saved_passwords(logins_path)
    factors = _saved_factors(logins_path)
    for account in DEMO_ACCOUNTS:
        passwords.setdefault(account.key, secrets.token_urlsafe(18))
        factors.setdefault(account.key, _new_factors())
    # The file is written before any password or factor is set, so no account ever has a
    # password or a factor that is not in the file.
    _logins_file_write(logins_path, passwords, factors)
    with transaction.atomic():
        for account in DEMO_ACCOUNTS:
            user = _demo_account_ensure(
                account, password=passwords[account.key], patient=patient, clinic=clinic
            )
            _demo_factors_ensure(user, factors[account.key])
        _message_pools_ensure(clinic)
        _demo_patients_at_clinic_ensure(clinic)
        _demo_sign_up_request_ensure(clinic)
        _demo_result_ranges_ensure()
        parent = User.objects.get(username="demo-parent")
        _demo_children_ensure(parent, clinic=clinic)
        _demo_schedule_ensure(clinic, patient=patient)
        demo_refills_ensure(clinic, patient=patient, source_system=DEMO_SOURCE_SYSTEM)

    logins = [
        DemoLogin(
            account.username,
            passwords[account.key],
            _describe(account, patient, clinic),
            factors[account.key],
        )
        for account in DEMO_ACCOUNTS
    ]
    return DemoLoadResult(
        report=report, patient=patient, clinic=clinic, logins=logins, logins_path=logins_path
    )


def _describe(account: DemoAccount, patient: Patient, clinic: Organization) -> str:
    if account.is_parent:
        milo, rosa = (child.given_names for child in DEMO_CHILDREN)
        return (
            f"parent of {milo} (7) and {rosa} (15), not a patient: sees {milo}'s record, and "
            f"{rosa}'s results, record and medicines only (no messages or notes, from age 12)"
        )
    if account.is_patient:
        return (
            f"patient: {patient.given_names} {patient.family_name}, sees her own record; "
            "her email is confirmed, so account recovery can be tried"
        )
    if account.staff_role == StaffRole.ADMINISTRATOR:
        return (
            f"administrator at {clinic.name}, manages its staff; sees patients' details and "
            "messages, not their results or notes"
        )
    role = account.staff_role.label.lower() if account.staff_role else "staff"
    if account.staff_role == StaffRole.CLINICIAN:
        return f"{role} at {clinic.name}, sees the clinic's patients; patients can write to them"
    return f"{role} at {clinic.name}, sees the clinic's patients"


def _demo_account_ensure(
    account: DemoAccount, *, password: str, patient: Patient, clinic: Organization
) -> User:
    """Create or correct one account, writing only what differs from what it should be."""
    wanted = {
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": f"{account.username}@example.org",
        "is_active": True,
        # Clinic staff are staff through their membership, not Django's admin flags.
        "is_staff": False,
        "is_superuser": False,
        "patient_id": patient.pk if account.is_patient else None,
    }
    # The demo patient's address counts as confirmed, so account recovery can be tried (its
    # email goes to var/mail/ under `make run`). The time of the first load is kept.
    if account.is_patient:
        existing = User.objects.filter(username=account.username).first()
        confirmed_at = existing.email_verified_at if existing is not None else None
        wanted["email_verified_at"] = confirmed_at or timezone.now()
    if account.is_patient:
        holder = User.objects.filter(patient=patient).exclude(username=account.username).first()
        if holder is not None:
            raise DemoDataError(
                f"The demo patient's record is already linked to the account {holder.username!r}; "
                f"unlink it or delete it, then run load_demo again."
            )

    user = User.objects.filter(username=account.username).first()
    if user is None:
        user = User(username=account.username, **wanted)
        user.set_password(password)
        user.save()
    else:
        changed = [field for field, value in wanted.items() if getattr(user, field) != value]
        for field in changed:
            setattr(user, field, wanted[field])
        if not user.check_password(password):
            user.set_password(password)
            changed.append("password")
        if changed:
            user.save(update_fields=[field.removesuffix("_id") for field in changed])

    if account.staff_role is not None:
        _staff_membership_ensure(user, clinic=clinic, role=account.staff_role)
    return user


def _demo_children_ensure(parent: User, *, clinic: Organization) -> None:
    """The demo parent's children at the clinic, each with a lab value, and the parent's proxy
    access to each (granted by the clinic, as for any parent). Made once; a rerun changes
    nothing, and a relationship someone has since ended is left ended."""
    today = timezone.localdate()
    administrator = User.objects.filter(username="demo-admin").first()
    for child in DEMO_CHILDREN:
        born = today.replace(year=today.year - child.age) - dt.timedelta(days=30)
        patient, _ = Patient.objects.get_or_create(
            source_system=DEMO_SOURCE_SYSTEM,
            fhir_id=child.fhir_id,
            defaults={
                "given_names": child.given_names,
                "family_name": DEMO_FAMILY_NAME,
                "birth_date": born,
                "sex": child.sex,
                "managing_organization": clinic,
            },
        )
        Observation.objects.get_or_create(
            source_system=DEMO_SOURCE_SYSTEM,
            fhir_id=f"{child.fhir_id}-hemoglobin",
            defaults={
                "patient": patient,
                "status": ObservationStatus.FINAL,
                "category": ObservationCategory.LABORATORY,
                "code": "718-7",
                "code_system": "http://loinc.org",
                "display": "Hemoglobin [Mass/volume] in Blood",
                "effective_at": timezone.now() - dt.timedelta(days=3),
                "value_type": ObservationValueType.QUANTITY,
                "value_quantity": 12.9,
                "value_unit": "g/dL",
                "reference_low": 11.5,
                "reference_high": 15.5,
            },
        )
        if not ProxyRelationship.objects.filter(proxy=parent, patient=patient).exists():
            ProxyRelationship.objects.create(
                proxy=parent,
                patient=patient,
                kind=ProxyKind.PARENT,
                permissions=int(ProxyPermission.FULL),
                starts_on=today,
                status=ProxyStatus.ACTIVE,
                granted_by=administrator,
                granted_at=timezone.now(),
                reason="Demo: parent of the child",
                identity_checked="Demo data: no documents checked",
            )


def _new_factors() -> DemoFactors:
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    return DemoFactors(secret, tuple(new_backup_code() for _ in range(10)))


def _demo_factors_ensure(user: User, factors: DemoFactors) -> None:
    """Give the account a confirmed authenticator app with the saved secret and the saved backup
    codes, writing only what differs. Codes already used stay used until all ten are gone."""
    key = base64.b32decode(factors.authenticator_secret).hex()
    device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME).order_by("id").first()
    if device is None:
        TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, key=key, confirmed=True)
    elif device.key != key or not device.confirmed:
        device.key, device.confirmed, device.last_t = key, True, -1
        device.save(update_fields=["key", "confirmed", "last_t"])

    wanted = {backup_code_hash(code) for code in factors.backup_codes}
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    if not stored or not stored <= wanted:
        backup_codes_set(user=user, codes=list(factors.backup_codes))


def _staff_membership_ensure(user: User, *, clinic: Organization, role: StaffRole) -> None:
    membership = StaffMembership.objects.filter(user=user, organization=clinic).first()
    if membership is None:
        StaffMembership.objects.create(user=user, organization=clinic, role=role)
    elif membership.role != role or not membership.is_active:
        membership.role = role
        membership.is_active = True
        membership.save(update_fields=["role", "is_active"])


def _message_pools_ensure(clinic: Organization) -> None:
    """Create the demo clinic's message pools that are missing. A pool an administrator has
    since changed (renamed description, switched off, moved) is left as they set it."""
    existing = set(MessagePool.objects.filter(organization=clinic).values_list("name", flat=True))
    MessagePool.objects.bulk_create(
        MessagePool(organization=clinic, name=name, description=description, position=position)
        for position, (name, description) in enumerate(DEMO_MESSAGE_POOLS)
        if name not in existing
    )


def _demo_patients_at_clinic_ensure(clinic: Organization) -> None:
    """Put every demo patient at the demo staff's clinic, so the console shows all three.

    The importer gives each the provider of their latest visit; the re-import of an unchanged
    bundle leaves the row alone, so this writes only on the first load.
    """
    Patient.objects.filter(source_system=DEMO_SOURCE_SYSTEM).exclude(
        managing_organization=clinic
    ).update(managing_organization=clinic)


def _demo_sign_up_request_ensure(clinic: Organization) -> None:
    """One sign-up request waiting for review, from a demo patient without an account."""
    person = Patient.objects.filter(
        source_system=DEMO_SOURCE_SYSTEM, fhir_id=DEMO_SIGN_UP_FHIR_ID
    ).first()
    if person is None or person.birth_date is None:
        raise DemoDataError(
            f"The demo bundles have no Patient {DEMO_SIGN_UP_FHIR_ID} with a birth date for the "
            "demo sign-up request."
        )
    EnrollmentRequest.objects.get_or_create(
        submission_key=DEMO_SIGN_UP_KEY,
        defaults={
            "given_names": person.given_names,
            "family_name": person.family_name,
            "birth_date": person.birth_date,
            "email": DEMO_SIGN_UP_EMAIL,
            "phone": DEMO_SIGN_UP_PHONE,
            "organization": clinic,
        },
    )


def _demo_result_ranges_ensure() -> None:
    for fhir_id, low, high, code, words in DEMO_RESULT_RANGES:
        Observation.objects.filter(source_system=DEMO_SOURCE_SYSTEM, fhir_id=fhir_id).exclude(
            reference_low=low, reference_high=high, interpretation=code
        ).update(
            reference_low=low,
            reference_high=high,
            interpretation=code,
            interpretation_display=words,
        )


def _demo_schedule_ensure(clinic: Organization, *, patient: Patient) -> None:
    """The demo clinic's location, visit types and the demo doctor's weekly hours; what exists
    (as an administrator may have changed it) is left alone."""
    location, _ = Location.objects.get_or_create(
        organization=clinic,
        name=DEMO_LOCATION,
        defaults={
            "address_line1": clinic.address_line[:200],
            "city": clinic.city,
            "state": clinic.state,
            "postal_code": clinic.postal_code,
            "phone": clinic.phone,
            "time_zone": DEMO_LOCATION_TIME_ZONE,
        },
    )
    for name, minutes, patients_may_book, instructions in DEMO_VISIT_TYPES:
        VisitType.objects.get_or_create(
            organization=clinic,
            name=name,
            defaults={
                "length_minutes": minutes,
                "patients_may_book": patients_may_book,
                "patient_instructions": instructions,
            },
        )
    doctor = User.objects.get(username="demo-doctor")
    working = set(
        WeeklyHours.objects.filter(clinician=doctor, location=location).values_list(
            "weekday", flat=True
        )
    )
    opens, closes = DEMO_WORKING_HOURS
    WeeklyHours.objects.bulk_create(
        WeeklyHours(
            clinician=doctor, location=location, weekday=weekday, starts_at=opens, ends_at=closes
        )
        for weekday in range(5)
        if weekday not in working
    )
    _demo_visit_ensure(patient, doctor=doctor, location=location)
    _demo_ticket_ensure(patient, location=location)


def _demo_ticket_ensure(patient: Patient, *, location: Location) -> None:
    """An invitation to book the minor procedure in the next three weeks, so the demo patient's
    appointments page shows "Visits your clinic asked you to book"; made while none is open."""
    today = timezone.now().astimezone(location.zone).date()
    if BookingTicket.objects.filter(
        patient=patient, status=BookingTicketStatus.OPEN, latest_on__gte=today
    ).exists():
        return
    visit_type = VisitType.objects.filter(
        organization=location.organization, patients_may_book=False, is_active=True
    ).first()
    if visit_type is None:
        return
    BookingTicket.objects.create(
        patient=patient,
        visit_type=visit_type,
        location=location,
        earliest_on=today + dt.timedelta(days=1),
        latest_on=today + dt.timedelta(days=21),
        note="To remove the mole we talked about.",
    )


def _demo_visit_ensure(patient: Patient, *, doctor: User, location: Location) -> None:
    """A check-up booked for the demo patient on the next weekday at 10:00, clinic time, so her
    appointments page and home page show a coming visit; made once while none is coming."""
    now = timezone.now()
    if Appointment.objects.filter(patient=patient, starts_at__gte=now).exists():
        return
    visit_type = VisitType.objects.filter(organization=location.organization).order_by("pk").first()
    day = now.astimezone(location.zone).date() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    starts_at = dt.datetime.combine(day, dt.time(10), tzinfo=location.zone)
    appointment = Appointment.objects.create(
        patient=patient,
        clinician=doctor,
        location=location,
        visit_type=visit_type,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=visit_type.length_minutes),
        booked_by_role=ActorRole.STAFF,
    )
    # Its reminders, as booking writes them (the worker's sweep sends each once when due).
    reminders_schedule(appointment)


def _saved_passwords(path: Path) -> dict[str, str]:
    """The passwords in the logins file, by account key; empty if there is no file yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise DemoDataError(f"Cannot read {path}: {error.strerror or error}.") from error
    usernames = {account.key: account.username for account in DEMO_ACCOUNTS}
    passwords: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 3 and not line.startswith("#"):
            key, username, password = fields
            # A line for an account renamed since is ignored, so the account gets a new password.
            if usernames.get(key) == username:
                passwords[key] = password
    return passwords


def _saved_factors(path: Path) -> dict[str, DemoFactors]:
    """The second factors in the logins file, by account key; empty if there is none yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        # A file that cannot be read was already reported by `_saved_passwords`.
        return {}
    usernames = {account.key: account.username for account in DEMO_ACCOUNTS}
    secrets_by_key: dict[str, str] = {}
    codes_by_key: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        fields = line.split()
        if line.startswith("#") or len(fields) < 4 or usernames.get(fields[0]) != fields[1]:
            continue
        if fields[2] == AUTHENTICATOR_FIELD and len(fields) == 4:
            secrets_by_key[fields[0]] = fields[3]
        elif fields[2] == BACKUP_CODES_FIELD and len(fields) == 13:
            codes_by_key[fields[0]] = tuple(fields[3:])
    return {
        key: DemoFactors(secrets_by_key[key], codes_by_key[key])
        for key in secrets_by_key.keys() & codes_by_key.keys()
    }


def _logins_file_write(
    path: Path, passwords: dict[str, str], factors: dict[str, DemoFactors]
) -> None:
    """Write the logins file readable by its owner only, and only if its content changes."""
    text = LOGINS_FILE_HEADER + "".join(
        f"{account.key:<15}{account.username:<14}{passwords[account.key]}\n"
        for account in DEMO_ACCOUNTS
    )
    text += "".join(
        f"{account.key:<15}{account.username:<14}{AUTHENTICATOR_FIELD} "
        f"{factors[account.key].authenticator_secret}\n"
        f"{account.key:<15}{account.username:<14}{BACKUP_CODES_FIELD} "
        f"{' '.join(factors[account.key].backup_codes)}\n"
        for account in DEMO_ACCOUNTS
    )
    try:
        if path.exists() and path.read_text(encoding="utf-8") == text:
            if path.stat().st_mode & 0o777 != 0o600:
                path.chmod(0o600)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write a private temporary file, then rename it over the old one, so the passwords are
        # never readable by others and a crash never leaves half a file.
        temporary = path.with_name(f".{path.name}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            os.fchmod(file.fileno(), 0o600)
            file.write(text)
        os.replace(temporary, path)
    except OSError as error:
        raise DemoDataError(f"Cannot write {path}: {error.strerror or error}.") from error
