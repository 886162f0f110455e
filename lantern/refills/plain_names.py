"""Short plain names for common medicines, shown beside the name as recorded (issue 14, point 1).

A small curated table, by RxNorm code, of the medicines in the demo data (Synthea) and a few
common ones: what the medicine is and its form, in everyday words. The recorded name is always
shown; a medicine not in the table is shown by its recorded name alone.
"""

from __future__ import annotations

from lantern.clinical.models import MedicationRequest

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

PLAIN_NAMES: dict[str, str] = {
    "895994": "Fluticasone inhaler (a steroid preventer for asthma)",
    "745679": "Albuterol inhaler (a reliever for asthma)",
    "1049630": "Diphenhydramine tablets (an antihistamine)",
    "997488": "Fexofenadine tablets (an antihistamine)",
    "1870230": "Epinephrine auto-injector (for severe allergic reactions)",
    "2001499": "Vitamin B12 injection",
    "310325": "Iron tablets",
    "751905": "Birth control pills",
    "1367439": "Birth control vaginal ring",
    "1049221": "Oxycodone with acetaminophen tablets (an opioid pain medicine)",
    "314076": "Lisinopril tablets (for blood pressure)",
    "860975": "Metformin tablets (for diabetes)",
}


def plain_name(medication: MedicationRequest) -> str:
    """The medicine's plain name, or "" when the table has none (or it is not an RxNorm code)."""
    if medication.code_system and medication.code_system != RXNORM:
        return ""
    return PLAIN_NAMES.get(medication.code, "")
