from __future__ import annotations

from django.apps import AppConfig


class FhirApiConfig(AppConfig):
    """The FHIR R4 patient-access API and the SMART on FHIR authorization that guards it."""

    name = "lantern.fhir_api"
    label = "fhir_api"
    verbose_name = "FHIR API and connected apps"

    def ready(self) -> None:
        from lantern.fhir_api import checks  # noqa: F401 (registers the system checks)
