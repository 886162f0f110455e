"""Who provides care and where: organizations, locations, practitioners."""

from __future__ import annotations

from django.db import models

from .base import AddressFields, SourcedRecord, person_display_name


class Organization(SourcedRecord, AddressFields):
    RESOURCE_TYPE = "Organization"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)
    identifiers = models.JSONField(default=list, blank=True)

    class Meta(SourcedRecord.Meta):
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(SourcedRecord, AddressFields):
    RESOURCE_TYPE = "Location"

    name = models.CharField(max_length=200)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="locations"
    )
    phone = models.CharField(max_length=40, blank=True)
    identifiers = models.JSONField(default=list, blank=True)

    class Meta(SourcedRecord.Meta):
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Practitioner(SourcedRecord, AddressFields):
    RESOURCE_TYPE = "Practitioner"

    prefix = models.CharField(max_length=40, blank=True)
    given_names = models.CharField(max_length=200, blank=True)
    family_name = models.CharField(max_length=200, blank=True)
    suffix = models.CharField(max_length=40, blank=True)
    npi = models.CharField(max_length=20, blank=True, db_index=True)
    gender = models.CharField(max_length=20, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.CharField(max_length=254, blank=True)
    active = models.BooleanField(default=True)
    identifiers = models.JSONField(default=list, blank=True)

    class Meta(SourcedRecord.Meta):
        ordering = ["family_name", "given_names"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return person_display_name(self.prefix, self.given_names, self.family_name, self.suffix)
