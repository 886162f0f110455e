"""Short plain names for common medicines, shown beside the name as recorded (issue 14, point 1).

A small curated table, by RxNorm code, of the medicines in the demo data (Synthea) and a few
common ones: what the medicine is and its form, in everyday words. The recorded name is always
shown; a medicine not in the table is shown by its recorded name alone.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lantern.clinical.models import MedicationRequest

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

PLAIN_NAMES: dict[str, Promise] = {
    "895994": _("Fluticasone inhaler (a steroid preventer for asthma)"),
    "745679": _("Albuterol inhaler (a reliever for asthma)"),
    "1049630": _("Diphenhydramine tablets (an antihistamine)"),
    "997488": _("Fexofenadine tablets (an antihistamine)"),
    "1870230": _("Epinephrine auto-injector (for severe allergic reactions)"),
    "2001499": _("Vitamin B12 injection"),
    "310325": _("Iron tablets"),
    "751905": _("Birth control pills"),
    "1367439": _("Birth control vaginal ring"),
    "1049221": _("Oxycodone with acetaminophen tablets (an opioid pain medicine)"),
    "314076": _("Lisinopril tablets (for blood pressure)"),
    "860975": _("Metformin tablets (for diabetes)"),
}


def plain_name(medication: MedicationRequest) -> str:
    """The medicine's plain name, or "" when the table has none (or it is not an RxNorm code)."""
    if medication.code_system and medication.code_system != RXNORM:
        return ""
    # The table's words are drawn in the reader's language when asked for.
    return str(PLAIN_NAMES.get(medication.code, ""))
