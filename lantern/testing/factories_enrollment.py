"""Factories and helpers for enrollment tests."""

from __future__ import annotations

import datetime as dt
import secrets

import factory
from django.utils import timezone

from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole
from lantern.enrollment.models import EnrollmentRequest, TermsVersion
from lantern.enrollment.services import IssuedCode, activation_code_issue


def issue_code(patient, *, actor=None) -> IssuedCode:
    """Issue a real code for a patient, as `manage.py issue_activation_code` does."""
    access = PatientAccess(user=actor, patient=patient, role=ActorRole.SYSTEM)
    return activation_code_issue(actor=actor, access=access)


class EnrollmentRequestFactory(factory.django.DjangoModelFactory):
    given_names = "Dora"
    family_name = "Diaz"
    birth_date = dt.date(1975, 6, 15)
    email = factory.Sequence(lambda n: f"requester{n}@example.org")
    phone = "555-123-4567"
    submission_key = factory.LazyFunction(lambda: secrets.token_urlsafe(24))
    created_at = factory.LazyFunction(timezone.now)
    # Pass the clinic the request was sent to; None is a request from before requests named one.
    organization = None

    class Meta:
        model = EnrollmentRequest


class TermsVersionFactory(factory.django.DjangoModelFactory):
    version = factory.Sequence(lambda n: f"2027-{n:02d}")
    body = "New terms of use."
    published_at = factory.LazyFunction(timezone.now)

    class Meta:
        model = TermsVersion
