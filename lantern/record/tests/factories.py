"""A factory for procedures (lantern/testing/factories.py has none yet; it belongs there)."""

from __future__ import annotations

import factory
from django.utils import timezone

from lantern.clinical import models as clinical
from lantern.testing.factories import PatientFactory, SourcedFactory


class ProcedureFactory(SourcedFactory):
    patient = factory.SubFactory(PatientFactory)
    code_system = "http://snomed.info/sct"
    code = "73761001"
    display = "Colonoscopy (procedure)"
    status = clinical.ProcedureStatus.COMPLETED
    performed_start = factory.LazyFunction(timezone.now)

    class Meta:
        model = clinical.Procedure
