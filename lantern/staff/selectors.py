"""Reads for the staff console. Patient lists always start from the access policy."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from lantern.access.policy import patients_for
from lantern.clinical.models import Patient
from lantern.results.release import reports_on_hold

SEARCH_RESULTS_LIMIT = 50


def patients_search(*, user, query: str) -> QuerySet[Patient]:
    """Patients of the user's clinics whose MRN is the query or whose names contain every word."""
    words = query.split()
    if not words:
        return Patient.objects.none()
    by_name = Q()
    for word in words:
        by_name &= Q(given_names__icontains=word) | Q(family_name__icontains=word)
    return (
        patients_for(user)
        .filter(by_name | Q(mrn__iexact=query.strip()))
        .select_related("account")
        .order_by("family_name", "given_names", "mrn")[:SEARCH_RESULTS_LIMIT]
    )


def results_on_hold_count(*, user) -> int:
    """How many of the user's clinics' results are still held back from patients."""
    return reports_on_hold(user=user).order_by().count()
