"""Whose message it is: the clinic behind the sending facility and the patient PID-3 names; and
PID read into the patient's demographics (ADT)."""

from __future__ import annotations

import threading
import time
from typing import Any

import hl7
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, post_save

from lantern.access.models import StaffMembership
from lantern.clinical.models import AdministrativeSex, Organization, Patient
from lantern.core.statements import Statement, param_for
from lantern.hl7v2.contract import AckCode

from .datatypes import coded_field, parse_date, parse_moment
from .errors import Refusal
from .text import SegmentReader, rep_text, segments

# PID-3 identifier types (HL7 table 0203) that stand for the clinic's record number, which
# Lantern keeps as `Patient.mrn`: medical record number, patient internal and external ids,
# person number, and an identifier sent without a type.
RECORD_NUMBER_TYPES = ("MR", "PI", "PT", "PN", "MRT", "")
# Identifiers Lantern never keeps or matches on: national and insurance numbers.
NOT_KEPT_TYPES = frozenset({"SS", "SSN", "DL", "PPN", "NI", "NH", "MA", "MC", "MB", "SN"})
SEX = {
    "M": AdministrativeSex.MALE,
    "F": AdministrativeSex.FEMALE,
    "O": AdministrativeSex.OTHER,
    "A": AdministrativeSex.OTHER,
    "X": AdministrativeSex.OTHER,
    "U": AdministrativeSex.UNKNOWN,
    "N": AdministrativeSex.UNKNOWN,
}


def _clinics():
    """The organizations Lantern serves: those with staff, or whose patients it keeps."""
    return Organization.objects.filter(
        Exists(StaffMembership.objects.filter(organization=OuterRef("pk"), is_active=True))
        | Exists(Patient.objects.filter(managing_organization=OuterRef("pk")))
    ).only("pk", "name", "identifiers")


# Which clinic a sending facility resolved to, kept per process for a short while: a listener
# receives thousands of messages from a handful of facilities, and reading the organizations for
# each cost a query. Only resolutions that found a clinic are kept; a facility not resolved yet
# is always looked up (a new clinic is seen at once), and a change to organizations, staff
# memberships or patients in this process empties it. Another process's change (a clinic added
# in the console) is seen within CLINIC_CACHE_SECONDS.
CLINIC_CACHE_SECONDS = 60.0
_clinic_cache: dict[frozenset[str], tuple[float, Organization]] = {}
_clinic_cache_lock = threading.Lock()


def clinic_cache_clear(**_kwargs: Any) -> None:
    with _clinic_cache_lock:
        _clinic_cache.clear()


def _clinic_cache_watch() -> None:
    for model in (Organization, StaffMembership, Patient):
        post_save.connect(clinic_cache_clear, sender=model, dispatch_uid=f"hl7v2-clinic-{model}")
        post_delete.connect(clinic_cache_clear, sender=model, dispatch_uid=f"hl7v2-clinic-{model}")


_clinic_cache_watch()


def sender_organization(message: hl7.Message, *, cached: bool = False) -> Organization:
    """The clinic a message is for: the one MSH-4 names, by name or by an identifier value
    (namespace id or universal id), or, when MSH-4 names none and Lantern serves one clinic,
    that clinic. Raises Refusal when no clinic, or more than one, fits (or there is no MSH).
    The transport asks it too, to put a message no patient was found for in its clinic's queue.

    With `cached`, a resolution of the same MSH-4 made less than CLINIC_CACHE_SECONDS ago is
    reused (the listener's path; see `_clinic_cache`)."""
    msh = next((reader for reader in segments(message) if reader.name == "MSH"), None)
    if msh is None:
        raise Refusal("the message has no MSH segment", "MSH^1", AckCode.REJECTED)
    names = {value.casefold() for value in (msh.text(4, 1), msh.text(4, 2)) if value}
    key = frozenset(names)
    if cached:
        hit = _clinic_cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
    clinic = _sender_organization(names)
    if cached:
        with _clinic_cache_lock:
            _clinic_cache[key] = (time.monotonic() + CLINIC_CACHE_SECONDS, clinic)
    return clinic


def _sender_organization(names: set[str]) -> Organization:
    clinics = list(_clinics())
    named = [
        clinic
        for clinic in clinics
        if names
        and (
            clinic.name.casefold() in names
            or any(
                str(identifier.get("value", "")).casefold() in names
                for identifier in clinic.identifiers or []
                if isinstance(identifier, dict)
            )
        )
    ]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise Refusal("the sending facility names more than one clinic", "MSH^1^4")
    if len(clinics) == 1:
        return clinics[0]
    raise Refusal("the sending facility is not linked to a clinic", "MSH^1^4")


def record_numbers(pid: SegmentReader) -> list[str]:
    """The PID-3 values that can be the clinic's record number, MR-typed ones first."""
    typed: list[tuple[int, str]] = []
    for repetition in pid.repetitions(3):
        value = rep_text(pid.message, repetition, 1)
        kind = rep_text(pid.message, repetition, 5).upper()
        if value and kind in RECORD_NUMBER_TYPES:
            typed.append((RECORD_NUMBER_TYPES.index(kind), value))
    return [value for _rank, value in sorted(typed, key=lambda pair: pair[0])]


# The clinic's patients with one of the record numbers (the shape: how many PID-3 gives): every
# result of a listener looks its patient up, so the query is built once per process.
_PATIENTS_BY_RECORD_NUMBER = Statement(
    lambda count: Patient.objects.filter(
        managing_organization=param_for(Patient, "managing_organization", "organization"),
        mrn__in=[param_for(Patient, "mrn", f"mrn{n}") for n in range(count)],
    )[:3]
)


def patient_find(pid: SegmentReader, organization: Organization) -> Patient | None:
    """The clinic's patient whose MRN is a record number in PID-3; None when there is none.
    Raises Refusal when PID-3 has no record number or names two of the clinic's patients."""
    numbers = list(dict.fromkeys(record_numbers(pid)))
    if not numbers:
        raise Refusal("PID-3 has no medical record number", pid.location(3))
    found = _PATIENTS_BY_RECORD_NUMBER.objects(
        (len(numbers),),
        organization=organization.pk,
        **{f"mrn{n}": number for n, number in enumerate(numbers)},
    )
    if len(found) > 1:
        # Prefer the MR-typed number; two patients on it is a clinic-side duplicate.
        first = [patient for patient in found if patient.mrn == numbers[0]]
        if len(first) != 1:
            raise Refusal("PID-3 matches more than one patient", pid.location(3))
        return first[0]
    return found[0] if found else None


def patient_require(pid: SegmentReader | None, organization: Organization) -> Patient:
    if pid is None:
        raise Refusal("the message has no PID segment", "PID^1")
    patient = patient_find(pid, organization)
    if patient is None:
        raise Refusal("patient not found", pid.location(3))
    return patient


def _identifiers(pid: SegmentReader) -> list[dict[str, str]]:
    kept = []
    for repetition in pid.repetitions(3):
        value = rep_text(pid.message, repetition, 1)
        kind = rep_text(pid.message, repetition, 5).upper()
        if not value or kind in NOT_KEPT_TYPES:
            continue
        authority = rep_text(pid.message, repetition, 4, 2) or rep_text(
            pid.message, repetition, 4, 1
        )
        kept.append({"system": authority, "value": value, "type": kind})
    return kept


def _name(pid: SegmentReader) -> dict[str, str]:
    # HL7 puts the legal name in the first repetition of PID-5.
    repetitions = pid.repetitions(5)
    if not repetitions:
        return {}
    name = repetitions[0]

    def part(component: int, sub: int = 1) -> str:
        return rep_text(pid.message, name, component, sub)

    return {
        "family_name": part(1),
        "given_names": " ".join(value for value in (part(2), part(3)) if value),
        "suffix": part(4),
        "prefix": part(5),
    }


def _address(pid: SegmentReader) -> dict[str, str]:
    repetitions = pid.repetitions(11)
    if not repetitions:
        return {}
    address = repetitions[0]

    def part(component: int, sub: int = 1) -> str:
        return rep_text(pid.message, address, component, sub)

    # XAD-1 is SAD: the whole street line, or its number (SAD-3) and street name (SAD-2).
    street = part(1)
    if part(1, 2):
        street = " ".join(value for value in (part(1, 3) or part(1), part(1, 2)) if value)
    return {
        "address_line": ", ".join(value for value in (street, part(2)) if value),
        "city": part(3),
        "state": part(4),
        "postal_code": part(5),
        "country": part(6),
    }


def _telecom(pid: SegmentReader) -> dict[str, str]:
    phone = email = ""
    for field in (13, 14):
        for repetition in pid.repetitions(field):

            def part(component: int, repetition=repetition) -> str:
                return rep_text(pid.message, repetition, component)

            if part(2) == "NET" or part(3).casefold() == "internet":
                email = email or part(4)
                continue
            number = part(1) or "".join(value for value in (part(6), part(7)) if value)
            phone = phone or number
    return {"phone": phone[:40], "email": email[:254]}


def demographics(pid: SegmentReader) -> dict[str, Any]:
    """The patient's fields PID gives (only those it gives: an absent field changes nothing)."""
    fields: dict[str, Any] = {}
    numbers = record_numbers(pid)
    if numbers:
        fields["mrn"] = numbers[0]
    identifiers = _identifiers(pid)
    if identifiers:
        fields["identifiers"] = identifiers
    fields.update(_name(pid))
    birth_date = parse_date(pid.text(7), pid.location(7))
    if birth_date is not None:
        fields["birth_date"] = birth_date
    sex = pid.text(8).upper()
    if sex:
        if sex not in SEX:
            raise Refusal("PID-8 is not a sex code of HL7 table 0001", pid.location(8))
        fields["sex"] = SEX[sex]
    fields.update({key: value for key, value in _address(pid).items() if value})
    fields.update({key: value for key, value in _telecom(pid).items() if value})
    language = coded_field(pid, 15)
    if language:
        fields["preferred_language"] = language.code[:20]
        fields["preferred_language_display"] = language.text[:100]
    deceased_flag = pid.text(30).upper()
    deceased_at = parse_moment(pid.text(29), pid.location(29))
    if deceased_flag or deceased_at:
        fields["deceased"] = deceased_flag == "Y" or (deceased_flag == "" and bool(deceased_at))
        fields["deceased_at"] = deceased_at.at if deceased_at and fields["deceased"] else None
    return fields


def pid_of(readers: list[SegmentReader]) -> SegmentReader | None:
    return next((reader for reader in readers if reader.name == "PID"), None)
