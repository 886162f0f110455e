"""Short plain names for common tests, shown beside the long LOINC name (issue 10, point 4).

A small curated table, by LOINC code, of the tests in the demo data (Synthea) and other common
ones. The recorded name is always kept and shown (smaller) beside the plain one; a test that is
not in the table is shown by its recorded name alone. The plain names are Lantern's words, so
they are in the page's language; the recorded name is as recorded.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_BAD_CHOLESTEROL = _("LDL (“bad”) cholesterol")
_BLOOD_SUGAR = _("Blood sugar (glucose)")
_KIDNEY_FILTERING = _("Kidney filtering rate (eGFR)")
_OXYGEN = _("Oxygen level")
_TEMPERATURE = _("Temperature")
_BLOOD_PRESSURE = _("Blood pressure")

PLAIN_NAMES: dict[str, Promise] = {
    # Panels.
    "57698-3": _("Cholesterol panel"),
    "58410-2": _("Complete blood count (CBC)"),
    "57021-8": _("Complete blood count (CBC) with differential"),
    "51990-0": _("Basic metabolic panel"),
    "24323-8": _("Comprehensive metabolic panel"),
    "24357-6": _("Urine test"),
    "24356-8": _("Urine test"),
    # Blood sugar.
    "2345-7": _BLOOD_SUGAR,
    "2339-0": _BLOOD_SUGAR,
    "4548-4": _("Hemoglobin A1c (average blood sugar)"),
    # Cholesterol panel parts.
    "2093-3": _("Total cholesterol"),
    "2571-8": _("Triglycerides"),
    "18262-6": _BAD_CHOLESTEROL,
    "13457-7": _BAD_CHOLESTEROL,
    "2089-1": _BAD_CHOLESTEROL,
    "2085-9": _("HDL (“good”) cholesterol"),
    # Complete blood count parts.
    "6690-2": _("White blood cells"),
    "789-8": _("Red blood cells"),
    "718-7": _("Hemoglobin"),
    "4544-3": _("Hematocrit"),
    "787-2": _("Red cell size (MCV)"),
    "785-6": _("Hemoglobin per red cell (MCH)"),
    "786-4": _("Hemoglobin in red cells (MCHC)"),
    "21000-5": _("Red cell size range (RDW)"),
    "777-3": _("Platelets"),
    "32207-3": _("Platelet size range (PDW)"),
    "32623-1": _("Platelet size (MPV)"),
    # Kidneys and salts.
    "2160-0": _("Creatinine (kidney function)"),
    "38483-4": _("Creatinine (kidney function)"),
    "33914-3": _KIDNEY_FILTERING,
    "62238-1": _KIDNEY_FILTERING,
    "69405-9": _KIDNEY_FILTERING,
    "98979-8": _KIDNEY_FILTERING,
    "6299-2": _("Urea nitrogen (BUN)"),
    "3094-0": _("Urea nitrogen (BUN)"),
    "2951-2": _("Sodium"),
    "2947-0": _("Sodium"),
    "2823-3": _("Potassium"),
    "6298-4": _("Potassium"),
    "2075-0": _("Chloride"),
    "2069-3": _("Chloride"),
    "2028-9": _("Bicarbonate (CO2)"),
    "20565-8": _("Bicarbonate (CO2)"),
    "17861-6": _("Calcium"),
    "49765-1": _("Calcium"),
    "14959-1": _("Urine albumin (kidney check)"),
    # Liver and thyroid.
    "1742-6": _("Liver test ALT"),
    "1920-8": _("Liver test AST"),
    "6768-6": _("Alkaline phosphatase"),
    "1975-2": _("Bilirubin"),
    "2885-2": _("Total protein"),
    "1751-7": _("Albumin"),
    "3016-3": _("Thyroid test (TSH)"),
    # Vital signs and other measures.
    "29463-7": _("Weight"),
    "8302-2": _("Height"),
    "39156-5": _("Body mass index (BMI)"),
    "85354-9": _BLOOD_PRESSURE,
    "55284-4": _BLOOD_PRESSURE,
    "8480-6": _("Systolic blood pressure (top number)"),
    "8462-4": _("Diastolic blood pressure (bottom number)"),
    "8867-4": _("Heart rate"),
    "9279-1": _("Breathing rate"),
    "8310-5": _TEMPERATURE,
    "8331-1": _TEMPERATURE,
    "2708-6": _OXYGEN,
    "59408-5": _OXYGEN,
    "72514-3": _("Pain score (0 to 10)"),
    "72166-2": _("Smoking status"),
}


def names_for(code: str, recorded: str) -> tuple[str, str]:
    """The name to show first and the recorded name to show smaller beside it.

    ("Total cholesterol", "Cholesterol [Mass/volume] in Serum or Plasma") for a code in the table;
    (recorded, "") for one that is not, or whose recorded name already is the plain one.
    """
    plain = str(PLAIN_NAMES.get((code or "").strip(), ""))
    if not plain or plain.casefold() == (recorded or "").strip().casefold():
        return recorded, ""
    if not recorded:
        return plain, ""
    return plain, recorded


def names_of(item: Any) -> tuple[str, str]:
    """`names_for` of an observation, a report or a trend (`code` and `display` or `name`)."""
    recorded = getattr(item, "display", None)
    if recorded is None:
        recorded = getattr(item, "name", "")
    return names_for(getattr(item, "code", ""), recorded or "")


def codes_named(words: str) -> list[str]:
    """The codes whose plain name contains `words` (any case), so a search for "blood sugar"
    finds a test recorded as "Glucose [Mass/volume] in Serum or Plasma"."""
    wanted = words.strip().casefold()
    if not wanted:
        return []
    return sorted(code for code, plain in PLAIN_NAMES.items() if wanted in str(plain).casefold())


def name_in_one_line(code: str, recorded: str) -> str:
    """Both names on one line where there is room for only one cell (the PDFs):
    "Total cholesterol (Cholesterol [Mass/volume] in Serum or Plasma)", or the recorded name."""
    plain, long_name = names_for(code, recorded)
    return f"{plain} ({long_name})" if long_name else plain
