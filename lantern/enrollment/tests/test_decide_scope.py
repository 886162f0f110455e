"""Deciding a sign-up request is scoped in the service too, not only in the console's views."""

from __future__ import annotations

import pytest

from lantern.enrollment.models import EnrollmentRequestStatus
from lantern.enrollment.services import EnrollmentRequestNotFound, enrollment_request_decline
from lantern.testing.factories_enrollment import EnrollmentRequestFactory

pytestmark = pytest.mark.django_db


def test_staff_of_another_clinic_cannot_decline_a_request_through_the_service(clinic, nora, olga):
    request = EnrollmentRequestFactory(organization=clinic)

    with pytest.raises(EnrollmentRequestNotFound):
        enrollment_request_decline(actor=olga, enrollment_request=request)

    request.refresh_from_db()
    assert request.status == EnrollmentRequestStatus.PENDING


def test_staff_of_the_clinic_decline_through_the_service(clinic, nora):
    request = EnrollmentRequestFactory(organization=clinic)

    enrollment_request_decline(actor=nora, enrollment_request=request)

    request.refresh_from_db()
    assert request.status == EnrollmentRequestStatus.DECLINED
