"""What an app is granted: the SMART scopes it asked for, narrowed by what the clinic allows the
app, what the person ticked on the consent screen and what their relationship opens.

The API serves reads only, so every resource scope is narrowed to `r` and `s`. A scope that
survives unchanged keeps the words the app used (a v1 app gets `patient/Observation.read`
back); a narrowed one is written in v2 form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lantern.access.models import Section
from lantern.fhir_api.caller import RESOURCE_SECTIONS
from lantern.fhir_api.scopes import ResourceScope, _resource_scope, parse_scopes

READ_INTERACTIONS = frozenset("rs")
FLAG_SCOPES = ("openid", "fhirUser", "launch/patient", "offline_access", "online_access")
SERVED_TYPES = tuple(RESOURCE_SECTIONS)


@dataclass(frozen=True)
class DataKind:
    """A kind of data in people's words, and the FHIR resource types it covers."""

    key: str
    label: str | Promise
    resource_types: tuple[str, ...]


# The consent screen and the connected-apps page name data with these words (DESIGN.md).
DATA_KINDS: tuple[DataKind, ...] = (
    DataKind("details", _("Your name, birth date and contact details"), ("Patient",)),
    DataKind("results", _("Test results"), ("Observation", "DiagnosticReport")),
    DataKind("problems", _("Health problems"), ("Condition",)),
    DataKind("allergies", _("Allergies"), ("AllergyIntolerance",)),
    DataKind("immunizations", _("Immunizations"), ("Immunization",)),
    DataKind("medications", _("Medications"), ("MedicationRequest",)),
    DataKind("visits", _("Visits"), ("Encounter",)),
    DataKind("procedures", _("Procedures"), ("Procedure",)),
    DataKind("documents", _("Visit notes and documents"), ("DocumentReference",)),
    DataKind("appointments", _("Appointments"), ("Appointment",)),
    DataKind("refills", _("Refill requests"), ("Task",)),
)
DATA_KIND_BY_KEY = {kind.key: kind for kind in DATA_KINDS}


def _narrow(
    requested: ResourceScope, allowed: Iterable[ResourceScope], types: Iterable[str]
) -> list[ResourceScope]:
    """The parts of one requested scope the allowed scopes cover, for the given types."""
    wanted = requested.interactions & READ_INTERACTIONS
    candidates = SERVED_TYPES if requested.resource_type == "*" else (requested.resource_type,)
    narrowed: list[ResourceScope] = []
    for resource_type in candidates:
        if resource_type not in types:
            continue
        for scope in allowed:
            if scope.resource_type not in ("*", resource_type):
                continue
            if scope.category and requested.category and scope.category != requested.category:
                continue
            interactions = wanted & scope.interactions
            if not interactions:
                continue
            candidate = ResourceScope(
                resource_type, frozenset(interactions), requested.category or scope.category
            )
            if candidate not in narrowed:
                narrowed.append(candidate)
    return narrowed


def granted_scope(requested: str, allowed: str, *, types: Iterable[str] | None = None) -> str:
    """The scope string granted for `requested`, within `allowed` (the app's registration) and
    limited to the resource `types` (all served types when None)."""
    types = frozenset(SERVED_TYPES if types is None else types)
    allowed_words = allowed.split()
    allowed_scopes = [scope for word in allowed_words if (scope := _resource_scope(word))]
    granted: list[str] = []
    for word in requested.split():
        if word in FLAG_SCOPES:
            if word in allowed_words and word not in granted:
                granted.append(word)
            continue
        scope = _resource_scope(word)
        if scope is None:
            continue
        narrowed = _narrow(scope, allowed_scopes, types)
        full = (
            [ResourceScope(t, scope.interactions, scope.category) for t in SERVED_TYPES]
            if scope.resource_type == "*"
            else [scope]
        )
        words = [word] if narrowed == full else [part.to_string() for part in narrowed]
        granted.extend(w for w in words if w not in granted)
    return " ".join(granted)


def resource_types_of(scope: str) -> frozenset[str]:
    """The served resource types a scope string lets an app read."""
    parsed = parse_scopes(scope)
    return frozenset(t for t in SERVED_TYPES if parsed.allows(t, "r") or parsed.allows(t, "s"))


def data_kinds_of(scope: str, *, sections: frozenset[Section] | None = None) -> list[DataKind]:
    """The kinds of data a scope string covers (each at least in part), limited to the record
    sections an access opens when `sections` is given."""
    types = resource_types_of(scope)
    return [
        kind
        for kind in DATA_KINDS
        if any(
            t in types and (sections is None or RESOURCE_SECTIONS[t] in sections)
            for t in kind.resource_types
        )
    ]


def types_of_kinds(keys: Iterable[str]) -> frozenset[str]:
    """The resource types of the data kinds named by their keys."""
    return frozenset(
        t for key in keys if (kind := DATA_KIND_BY_KEY.get(key)) for t in kind.resource_types
    )
