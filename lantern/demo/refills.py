"""The demo clinic's pharmacies and refill rules, and the demo patient's medicines to try them on.

Made once; a rerun changes nothing an administrator or the demo patient has since changed.
- three pharmacies on the clinic's list, the first saved as the demo patient's usual one;
- a generated prescription of a controlled medicine (oxycodone), which the clinic marks as one
  it never refills online, so the medications page shows "Call the clinic";
- the demo patient's fluticasone inhaler with no refills left (a renewal request), and her
  albuterol inhaler with three.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from lantern.clinical.models import (
    MedicationRequest,
    MedicationRequestStatus,
    Organization,
    Patient,
)
from lantern.refills.models import ControlledMedicine, PatientPharmacy, Pharmacy

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
DEMO_PHARMACIES = (
    ("Riverside Pharmacy", "12 River Road", "555-0141"),
    ("Main Street Drugstore", "210 Main Street", "555-0142"),
    ("Hilltop Chemist", "3 Hilltop Avenue", "555-0143"),
)
# The code and words as Synthea records this opioid (shared/data/fhir).
CONTROLLED = ("1049221", "Acetaminophen 325 MG / oxyCODONE Hydrochloride 5 MG Oral Tablet")
FLUTICASONE = "895994"
ALBUTEROL = "745679"


def demo_refills_ensure(clinic: Organization, *, patient: Patient, source_system: str) -> None:
    pharmacies = [
        Pharmacy.objects.get_or_create(
            organization=clinic, name=name, defaults={"address": address, "phone": phone}
        )[0]
        for name, address, phone in DEMO_PHARMACIES
    ]
    if not PatientPharmacy.objects.filter(patient=patient).exists():
        PatientPharmacy.objects.create(patient=patient, pharmacy=pharmacies[0], is_default=True)
    code, display = CONTROLLED
    ControlledMedicine.objects.get_or_create(
        organization=clinic, code_system=RXNORM, code=code, defaults={"display": display}
    )
    MedicationRequest.objects.get_or_create(
        source_system=source_system,
        fhir_id=f"{patient.fhir_id}-oxycodone",
        defaults={
            "patient": patient,
            "status": MedicationRequestStatus.ACTIVE,
            "intent": "order",
            "code_system": RXNORM,
            "code": code,
            "display": display,
            "authored_at": timezone.now() - dt.timedelta(days=20),
            "dosage_text": "Take 1 tablet by mouth every 6 hours as needed for pain",
            "as_needed": True,
            "refills_allowed": 0,
        },
    )
    active = MedicationRequest.objects.filter(
        patient=patient, status=MedicationRequestStatus.ACTIVE, refills_allowed__isnull=True
    )
    active.filter(code=FLUTICASONE).update(refills_allowed=0)
    active.filter(code=ALBUTEROL).update(refills_allowed=3)
