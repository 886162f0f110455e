"""VXU^V04: vaccines given (RXA) into the patient's immunizations."""

from __future__ import annotations

from lantern.access.policy import PatientAccess, access_record
from lantern.audit.models import ActorRole, AuditAction
from lantern.clinical.models import Immunization, ImmunizationStatus, Patient, record_uuid

from .datatypes import coded_field, parse_moment
from .errors import Refusal
from .results import fhir_id, upsert
from .text import SegmentReader

# RXA-20 completion status (HL7 table 0322): complete and partially given are given; refused
# and not given are not. RXA-21 action code D (delete) marks the record entered in error.
COMPLETION = {
    "CP": ImmunizationStatus.COMPLETED,
    "PA": ImmunizationStatus.COMPLETED,
    "RE": ImmunizationStatus.NOT_DONE,
    "NA": ImmunizationStatus.NOT_DONE,
    "": ImmunizationStatus.COMPLETED,
}
# RXA-9 (NIP001): "00" is a new record from the one who gave it; "01"-"08" are histories.
NEW_RECORD = "00"
IMMUNIZATION_FIELDS = [
    "code_system",
    "code",
    "display",
    "status",
    "occurred_at",
    "date_precisions",
    "primary_source",
    "lot_number",
]


def immunizations_apply(
    readers: list[SegmentReader], *, patient: Patient, source_system: str, control_id: str
) -> list[Immunization]:
    written = []
    orc: SegmentReader | None = None
    for reader in readers:
        if reader.name == "ORC":
            orc = reader
        if reader.name != "RXA":
            continue
        rxa = reader
        vaccine = coded_field(rxa, 5)
        if not vaccine:
            raise Refusal("RXA-5 (administered code) is empty", rxa.location(5))
        given = parse_moment(rxa.text(3), rxa.location(3))
        completion = rxa.text(20).upper()
        if completion not in COMPLETION:
            raise Refusal("RXA-20 is not a completion status of HL7 table 0322", rxa.location(20))
        status = COMPLETION[completion]
        if rxa.text(21).upper() == "D":
            status = ImmunizationStatus.ENTERED_IN_ERROR
        source = rxa.text(9).upper()
        order = orc.text(3, 1) if orc is not None else ""
        key = fhir_id("RXA", *((order,) if order else (control_id, str(rxa.sequence))))
        immunization = Immunization(
            id=record_uuid(source_system, "Immunization", key),
            source_system=source_system,
            fhir_id=key,
            patient=patient,
            code_system=vaccine.system,
            code=vaccine.code[:64],
            display=vaccine.text[:500],
            status=status,
            occurred_at=given.at if given else None,
            date_precisions={"occurred_at": given.precision} if given and given.precision else {},
            primary_source=(source == NEW_RECORD) if source else None,
            lot_number=rxa.text(15)[:100],
        )
        earlier = Immunization.objects.filter(pk=immunization.pk).values_list(
            "patient_id", flat=True
        )
        if earlier and earlier[0] != patient.pk:
            raise Refusal("the order number belongs to another patient's vaccine", rxa.location(1))
        upsert(Immunization, [immunization], IMMUNIZATION_FIELDS)
        written.append(immunization)
        orc = None
    if not written:
        raise Refusal("the message has no RXA segment", "RXA^1")
    access = PatientAccess(user=None, patient=patient, role=ActorRole.SYSTEM)
    for immunization in written:
        access_record(
            access, action=AuditAction.IMPORT, object_type="Immunization", object_id=immunization.pk
        )
    return written
