"""Words for values and flags on the health record pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy

from lantern.clinical.models import MedicationRequest, Observation
from lantern.record.dosage import dosage_in_words
from lantern.results.flags import Flag, observation_status, plain_name, value_in_words

register = template.Library()


@register.filter
def result_flag(observation: Observation) -> Flag:
    """The value's status ("High", "Normal", "No range given"...), as the results pages say it."""
    return observation_status(observation)


@register.filter
def value_text(observation: Observation) -> str:
    return value_in_words(observation)


# A reaction's severity (FHIR's codes), in the page's language.
SEVERITY_WORDS = {
    "mild": gettext_lazy("mild"),
    "moderate": gettext_lazy("moderate"),
    "severe": gettext_lazy("severe"),
}

# The statuses the record pages show, by the English label of the clinical models' choices
# (which the staff console shows as they are), in the page's language.
STATUS_WORDS = {
    "Active": gettext_lazy("Active"),
    "Came back": gettext_lazy("Came back"),
    "Inactive": gettext_lazy("Inactive"),
    "In remission": gettext_lazy("In remission"),
    "Resolved": gettext_lazy("Resolved"),
    "Low risk": gettext_lazy("Low risk"),
    "High risk": gettext_lazy("High risk"),
    "Unable to assess": gettext_lazy("Unable to assess"),
    "Given": gettext_lazy("Given"),
    "Not given": gettext_lazy("Not given"),
    "Entered in error": gettext_lazy("Entered in error"),
    "On hold": gettext_lazy("On hold"),
    "Cancelled": gettext_lazy("Cancelled"),
    "Completed": gettext_lazy("Completed"),
    "Stopped": gettext_lazy("Stopped"),
    "Draft": gettext_lazy("Draft"),
    "Unknown": gettext_lazy("Unknown"),
    "Preparation": gettext_lazy("Preparation"),
    "In progress": gettext_lazy("In progress"),
    "Not done": gettext_lazy("Not done"),
    "Current": gettext_lazy("Current"),
    "Replaced": gettext_lazy("Replaced"),
    "Lab": gettext_lazy("Lab"),
    "Imaging": gettext_lazy("Imaging"),
    "Other": gettext_lazy("Other"),
}


@register.filter
def status_words(label: str) -> str:
    """A status label of the clinical record ("Came back") in the page's language."""
    return str(STATUS_WORDS.get(str(label), label))


@register.filter
def reactions_text(reactions: list) -> str:
    """Allergy reactions as "Hives (mild), Swelling"."""
    parts = []
    for reaction in reactions or []:
        if not isinstance(reaction, dict) or not reaction.get("manifestation"):
            continue
        severity = reaction.get("severity")
        severity = str(SEVERITY_WORDS.get(severity, severity or ""))
        manifestation = plain_name(reaction["manifestation"])
        parts.append(f"{manifestation} ({severity})" if severity else manifestation)
    return ", ".join(parts)


@register.filter
def clinical_name(name: str) -> str:
    """A clinical name without SNOMED's "(disorder)", "(finding)"... tag."""
    return plain_name(name)


@register.filter
def dosage_words(medication: MedicationRequest) -> str:
    """How to take it: the dosage text, else "1 tablet twice a day" from the structured dosage."""
    return dosage_in_words(medication)


@register.filter
def reasons_text(names: list[str]) -> str:
    """Every reason by its plain name: "Atrial fibrillation; Chronic pain"."""
    return "; ".join(plain_name(name) for name in names if name)
