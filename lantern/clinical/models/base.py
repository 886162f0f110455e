"""What every clinical record shares: where it came from and how to address it."""

from __future__ import annotations

import uuid
from functools import lru_cache

from django.db import models
from django.db.models import Q

# Imported records get a primary key derived from (source system, resource type, FHIR id), so a
# re-import finds the same row and references resolve without a lookup. The namespace is fixed
# forever: changing it would duplicate every imported record.
RECORD_NAMESPACE = uuid.UUID("6f1f4d1e-3c55-4a57-9a43-0f4d3c7e9b21")


@lru_cache(maxsize=65536)
def record_uuid(source_system: str, resource_type: str, fhir_id: str) -> uuid.UUID:
    return uuid.uuid5(RECORD_NAMESPACE, f"{source_system}|{resource_type}|{fhir_id}")


def choices_constraint(field: str, choices: type[models.TextChoices], *, blank: bool = False):
    allowed = list(choices.values) + ([""] if blank else [])
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": allowed}),
        name=f"%(app_label)s_%(class)s_{field}_valid",
    )


class SourcedRecord(models.Model):
    """A record that mirrors a FHIR resource from a source system (an EHR, a lab, an import).

    `source_system` and `fhir_id` identify the resource where it came from; `content_hash` is the
    hash of the resource as last imported, so a re-import can tell unchanged from updated.
    """

    RESOURCE_TYPE = ""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source_system = models.CharField(max_length=100)
    fhir_id = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "fhir_id"], name="%(app_label)s_%(class)s_source_unique"
            )
        ]


class AddressFields(models.Model):
    address_line = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=60, blank=True)

    class Meta:
        abstract = True


def person_display_name(prefix: str, given: str, family: str, suffix: str = "") -> str:
    return " ".join(part for part in (prefix, given, family, suffix) if part)
