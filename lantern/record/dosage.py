"""How to take a medicine, in words, from the prescription's dosage.

The prescriber's own text comes first. A prescription without one (Synthea writes none, and many
EHRs send only the structured FHIR Dosage) is said from its timing, dose and "as needed":
"1 tablet twice a day", "Every 8 hours as needed" (in the page's language: "1 tableta dos veces al
día"). What the dosage does not say is not guessed,
except the kind of dose when the quantity has no unit: the medicine's name ends with its dose form
("Acetaminophen 325 MG Oral Tablet"), which says what "1" counts.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lantern.clinical.models import MedicationRequest
from lantern.results.flags import localized

Dosage = dict[str, Any]

# UCUM's units of time (FHIR's Timing.repeat.periodUnit): several of them, in words.
TIME_UNITS = {
    "s": gettext_lazy("seconds"),
    "min": gettext_lazy("minutes"),
    "h": gettext_lazy("hours"),
    "d": gettext_lazy("days"),
    "wk": gettext_lazy("weeks"),
    "mo": gettext_lazy("months"),
    "a": gettext_lazy("years"),
}
# How often in one of them: "twice a day", "once an hour".
PER_TIME_UNIT = {
    "s": gettext_lazy("a second"),
    "min": gettext_lazy("a minute"),
    "h": gettext_lazy("an hour"),
    "d": gettext_lazy("a day"),
    "wk": gettext_lazy("a week"),
    "mo": gettext_lazy("a month"),
    "a": gettext_lazy("a year"),
}
# Units of time an event is said "every" of when it happens once in one ("every hour"), rather
# than "once a" ("once a day").
EVERY_ONE = {
    "s": gettext_lazy("every second"),
    "min": gettext_lazy("every minute"),
    "h": gettext_lazy("every hour"),
}
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


def _counted(unit: str, how_many: int) -> str:
    """ "%(count)s tablet(s)" and the like, for one (1) or several (any other count)."""
    forms = {
        "tablet": ngettext("%(count)s tablet", "%(count)s tablets", how_many),
        "capsule": ngettext("%(count)s capsule", "%(count)s capsules", how_many),
        "caplet": ngettext("%(count)s caplet", "%(count)s caplets", how_many),
        "puff": ngettext("%(count)s puff", "%(count)s puffs", how_many),
        "spray": ngettext("%(count)s spray", "%(count)s sprays", how_many),
        "patch": ngettext("%(count)s patch", "%(count)s patches", how_many),
        "suppository": ngettext("%(count)s suppository", "%(count)s suppositories", how_many),
        "lozenge": ngettext("%(count)s lozenge", "%(count)s lozenges", how_many),
        "injection": ngettext("%(count)s injection", "%(count)s injections", how_many),
        "drop": ngettext("%(count)s drop", "%(count)s drops", how_many),
        "unit": ngettext("%(count)s unit", "%(count)s units", how_many),
        "dose": ngettext("%(count)s dose", "%(count)s doses", how_many),
    }
    return forms[unit]


def dosage_in_words(medication: MedicationRequest) -> str:
    """How to take it: the dosage text as written, else the structured dosage in words; ""
    when the prescription says neither."""
    if medication.dosage_text:
        text = medication.dosage_text
        if medication.as_needed and "as needed" not in text.lower():
            text += " (" + _("as needed") + ")"
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
            return _("%(low)s to %(high)s") % {
                "low": number(low["value"]),
                "high": _amount(high["value"], unit),
            }
    return ""


def timing_in_words(timing: Dosage) -> str:
    """Timing.repeat's frequency per period: "twice a day", "every 6 hours", "once a week"."""
    repeat = timing.get("repeat") or {}
    unit = repeat.get("periodUnit")
    if unit not in TIME_UNITS or repeat.get("period") is None:
        return timing.get("code", {}).get("text", "")
    period, period_max = repeat["period"], repeat.get("periodMax")
    frequency, frequency_max = repeat.get("frequency", 1), repeat.get("frequencyMax")
    units = str(TIME_UNITS[unit])
    if frequency == 1 and frequency_max is None:
        if period_max is not None:
            return _("every %(low)s to %(high)s %(units)s") % {
                "low": number(period),
                "high": number(period_max),
                "units": units,
            }
        if period == 1:
            if unit in EVERY_ONE:
                return str(EVERY_ONE[unit])
            return _("once") + " " + str(PER_TIME_UNIT[unit])
        return _("every %(count)s %(units)s") % {"count": number(period), "units": units}
    times = _times(frequency, frequency_max)
    if period == 1 and period_max is None:
        return f"{times} {PER_TIME_UNIT[unit]}"
    periods = (
        number(period)
        if period_max is None
        else _("%(low)s to %(high)s") % {"low": number(period), "high": number(period_max)}
    )
    return _("%(times)s every %(count)s %(units)s") % {
        "times": times,
        "count": periods,
        "units": units,
    }


def as_needed_in_words(dosage: Dosage) -> str:
    if "asNeededCodeableConcept" in dosage:
        concept = dosage["asNeededCodeableConcept"]
        reason = concept.get("text") or _first_display(concept)
        if reason:
            return _("as needed for %(reason)s") % {"reason": reason.lower()}
        return _("as needed")
    return _("as needed") if dosage.get("asNeededBoolean") else ""


def number(value: float | int) -> str:
    """2 for 2.0, 0.5 for 0.5 ("0,5" in Spanish): a dose as a prescriber writes it."""
    return localized(f"{value:g}") if isinstance(value, float) else str(value)


def _times(frequency: int, frequency_max: int | None) -> str:
    if frequency_max is not None:
        return _("%(low)s to %(high)s times") % {"low": frequency, "high": frequency_max}
    if frequency == 1:
        return _("once")
    if frequency == 2:
        return _("twice")
    return _("%(count)s times") % {"count": frequency}


def _amount(value: float | int, unit: str) -> str:
    unit = unit or "dose"
    if unit in COUNTED:
        return _counted(unit, 1 if value == 1 else 2) % {"count": number(value)}
    return f"{number(value)} {unit}"


def _unit(quantity: Dosage, medicine_name: str) -> str:
    unit = quantity.get("unit") or quantity.get("code") or ""
    if unit:
        return unit
    name = medicine_name.strip().lower()
    return next((form for ending, form in DOSE_FORMS if name.endswith(ending)), "")


def _first_display(concept: Dosage) -> str:
    return next((c.get("display", "") for c in concept.get("coding", []) if c.get("display")), "")
