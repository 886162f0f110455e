"""How to take a medicine, in words, from the prescription's dosage.

The prescriber's own text comes first. A prescription without one (Synthea writes none, and many
EHRs send only the structured FHIR Dosage) is said from its timing, dose and "as needed":
"1 tablet twice a day", "Every 8 hours as needed". What the dosage does not say is not guessed,
except the kind of dose when the quantity has no unit: the medicine's name ends with its dose form
("Acetaminophen 325 MG Oral Tablet"), which says what "1" counts.
"""

from __future__ import annotations

from typing import Any

from lantern.clinical.models import MedicationRequest

Dosage = dict[str, Any]

# UCUM's units of time (FHIR's Timing.repeat.periodUnit), in words.
TIME_UNITS = {
    "s": "second",
    "min": "minute",
    "h": "hour",
    "d": "day",
    "wk": "week",
    "mo": "month",
    "a": "year",
}
# Units of time an event is said "every" of when it happens once in one ("every hour"), rather
# than "once a" ("once a day").
EVERY_UNITS = {"s", "min", "h"}
# The dose forms a medicine's name ends with, and what one dose of each is called.
DOSE_FORMS = (
    ("tablet", "tablet"),
    ("capsule", "capsule"),
    ("caplet", "caplet"),
    ("inhaler", "puff"),
    ("inhalant", "puff"),
    ("nasal spray", "spray"),
    ("patch", "patch"),
    ("suppository", "suppository"),
    ("lozenge", "lozenge"),
    ("injection", "injection"),
    ("injector", "injection"),
    ("prefilled syringe", "injection"),
)
# Units that count things, and take an "s" for more than one.
COUNTED = {form for _ending, form in DOSE_FORMS} | {"drop", "puff", "spray", "unit", "dose"}
PLURALS = {"patch": "patches", "suppository": "suppositories"}


def dosage_in_words(medication: MedicationRequest) -> str:
    """How to take it: the dosage text as written, else the structured dosage in words; ""
    when the prescription says neither."""
    if medication.dosage_text:
        text = medication.dosage_text
        if medication.as_needed and "as needed" not in text.lower():
            text += " (as needed)"
        return text
    sayings = [
        instruction_in_words(dosage, medication.display)
        for dosage in medication.dosage_instructions or []
        if isinstance(dosage, dict)
    ]
    return "; ".join(saying for saying in sayings if saying)


def instruction_in_words(dosage: Dosage, medicine_name: str = "") -> str:
    """One FHIR Dosage: "1 tablet twice a day", "Every 8 hours as needed for pain"."""
    said = dosage.get("text") or dosage.get("patientInstruction")
    if said:
        return said
    parts = [
        dose_in_words(dosage, medicine_name),
        timing_in_words(dosage.get("timing") or {}),
        as_needed_in_words(dosage),
    ]
    saying = " ".join(part for part in parts if part)
    extra = [
        concept.get("text") or _first_display(concept)
        for concept in dosage.get("additionalInstruction", [])
    ]
    sentences = [saying[:1].upper() + saying[1:]] if saying else []
    sentences += [text.rstrip(".") for text in extra if text]
    return ". ".join(sentences)


def dose_in_words(dosage: Dosage, medicine_name: str = "") -> str:
    for dose_and_rate in dosage.get("doseAndRate", []):
        quantity = dose_and_rate.get("doseQuantity")
        if quantity and quantity.get("value") is not None:
            return _amount(quantity["value"], _unit(quantity, medicine_name))
        dose_range = dose_and_rate.get("doseRange")
        if dose_range and dose_range.get("low", {}).get("value") is not None:
            low, high = dose_range["low"], dose_range.get("high", {})
            unit = _unit(high or low, medicine_name)
            if high.get("value") is None:
                return _amount(low["value"], unit)
            return f"{number(low['value'])} to {_amount(high['value'], unit)}"
    return ""


def timing_in_words(timing: Dosage) -> str:
    """Timing.repeat's frequency per period: "twice a day", "every 6 hours", "once a week"."""
    repeat = timing.get("repeat") or {}
    unit = repeat.get("periodUnit")
    if unit not in TIME_UNITS or repeat.get("period") is None:
        return timing.get("code", {}).get("text", "")
    period, period_max = repeat["period"], repeat.get("periodMax")
    frequency, frequency_max = repeat.get("frequency", 1), repeat.get("frequencyMax")
    word = TIME_UNITS[unit]
    if frequency == 1 and frequency_max is None:
        if period_max is not None:
            return f"every {number(period)} to {number(period_max)} {word}s"
        if period == 1:
            return f"every {word}" if unit in EVERY_UNITS else f"once {_article(word)} {word}"
        return f"every {number(period)} {word}s"
    times = _times(frequency, frequency_max)
    if period == 1 and period_max is None:
        return f"{times} {_article(word)} {word}"
    periods = number(period) if period_max is None else f"{number(period)} to {number(period_max)}"
    return f"{times} every {periods} {word}s"


def as_needed_in_words(dosage: Dosage) -> str:
    if "asNeededCodeableConcept" in dosage:
        concept = dosage["asNeededCodeableConcept"]
        reason = concept.get("text") or _first_display(concept)
        return f"as needed for {reason.lower()}" if reason else "as needed"
    return "as needed" if dosage.get("asNeededBoolean") else ""


def number(value: float | int) -> str:
    """2 for 2.0, 0.5 for 0.5: a dose as a prescriber writes it."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _times(frequency: int, frequency_max: int | None) -> str:
    if frequency_max is not None:
        return f"{frequency} to {frequency_max} times"
    return {1: "once", 2: "twice"}.get(frequency, f"{frequency} times")


def _article(word: str) -> str:
    return "an" if word == "hour" else "a"


def _amount(value: float | int, unit: str) -> str:
    if not unit:
        return f"{number(value)} {'dose' if value == 1 else 'doses'}"
    if value != 1 and unit in COUNTED:
        unit = PLURALS.get(unit, unit + "s")
    return f"{number(value)} {unit}"


def _unit(quantity: Dosage, medicine_name: str) -> str:
    unit = quantity.get("unit") or quantity.get("code") or ""
    if unit:
        return unit
    name = medicine_name.strip().lower()
    return next((form for ending, form in DOSE_FORMS if name.endswith(ending)), "")


def _first_display(concept: Dosage) -> str:
    return next((c.get("display", "") for c in concept.get("coding", []) if c.get("display")), "")
