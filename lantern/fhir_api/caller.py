"""Who is calling the FHIR API: the shared contract between the REST layer and SMART.

The SMART side (`lantern.fhir_api.bearer.caller_for_token`) turns a bearer token into an
ApiCaller; the REST side turns an ApiCaller into a PatientAccess through `access/policy.py`
and asks the scopes what each request may read.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from lantern.access.models import Section
from lantern.clinical.models import Patient
from lantern.fhir_api.scopes import ParsedScopes

# The section of the record each served resource type belongs to: a proxy's app sees a type
# only when the relationship opens its section.
RESOURCE_SECTIONS: dict[str, Section] = {
    "Patient": Section.RECORD,
    "Observation": Section.RESULTS,
    "DiagnosticReport": Section.RESULTS,
    "Condition": Section.RECORD,
    "AllergyIntolerance": Section.RECORD,
    "Immunization": Section.RECORD,
    "Encounter": Section.RECORD,
    "Procedure": Section.RECORD,
    "MedicationRequest": Section.MEDICATIONS,
    "DocumentReference": Section.NOTES,
    "Appointment": Section.APPOINTMENTS,
    "Task": Section.MEDICATIONS,
}


@dataclass(frozen=True)
class ApiCaller:
    """A valid access token, read: the person who authorized it, for whom, and what it may do."""

    user: models.Model
    patient: Patient
    scopes: ParsedScopes
    client_id: str
    app_name: str
    # The primary key of the access token row, for "last read" and revocation.
    token_id: int
