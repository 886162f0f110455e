from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from lantern.audit.models import AuditAction, AuditEvent
from lantern.enrollment.codes import code_hash
from lantern.enrollment.models import (
    ActivationCode,
    ActivationCodeStatus,
    EnrollmentRequest,
    EnrollmentRequestStatus,
)
from lantern.notifications.models import Notification, NotificationKind
from lantern.testing.auth import sign_in, sign_in_password_only
from lantern.testing.factories import PatientFactory
from lantern.testing.factories_enrollment import EnrollmentRequestFactory, issue_code

pytestmark = pytest.mark.django_db

HOME = reverse("staff:home")
PATIENTS = reverse("staff:patients")
CODE_IN_PAGE = re.compile(r'id="activation-code">([A-Z0-9-]{14})<')


def patient_url(patient) -> str:
    return reverse("staff:patient", kwargs={"patient_id": patient.pk})


def issue_url(patient) -> str:
    return reverse("staff:activation_code_issue", kwargs={"patient_id": patient.pk})


def revoke_url(patient) -> str:
    return reverse("staff:activation_code_revoke", kwargs={"patient_id": patient.pk})


def review_url(enrollment_request) -> str:
    return reverse("staff:enrollment_request", kwargs={"request_id": enrollment_request.pk})


def approve_url(enrollment_request) -> str:
    return reverse("staff:enrollment_request_approve", kwargs={"request_id": enrollment_request.pk})


def decline_url(enrollment_request) -> str:
    return reverse("staff:enrollment_request_decline", kwargs={"request_id": enrollment_request.pk})


# The console home and patient search.


def test_the_console_home_counts_pending_enrollment_requests(nora):
    EnrollmentRequestFactory.create_batch(3)
    EnrollmentRequestFactory(
        status=EnrollmentRequestStatus.DECLINED, decided_at="2026-01-01T00:00Z"
    )
    page = sign_in(Client(), nora).get(HOME).content.decode()
    assert "<strong>3</strong> waiting for review" in page
    assert page.count("<h1") == 1


def test_patients_cannot_open_the_console(alice):
    assert sign_in(Client(), alice).get(HOME).status_code == 404


def test_the_console_needs_the_second_factor(nora):
    response = sign_in_password_only(Client(), nora).get(HOME)
    assert response.status_code == 302


def test_search_finds_patients_of_the_staff_members_clinics_by_name_or_mrn(nora, alice, dora):
    client = sign_in(Client(), nora)
    by_name = client.post(PATIENTS, {"q": "dora diaz"}, follow=True).content.decode()
    assert patient_url(dora) in by_name
    assert patient_url(alice.patient) not in by_name
    by_mrn = client.post(PATIENTS, {"q": "mrn-dora"}, follow=True).content.decode()
    assert patient_url(dora) in by_mrn


def test_search_never_shows_another_clinics_patients(olga, dora):
    page = sign_in(Client(), olga).post(PATIENTS, {"q": "Diaz"}, follow=True).content.decode()
    assert patient_url(dora) not in page
    assert "No patients match" in page


def test_search_queries_stay_few_with_many_patients(nora, clinic, django_assert_max_num_queries):
    PatientFactory.create_batch(30, family_name="Smith", managing_organization=clinic)
    client = sign_in(Client(), nora)
    client.post(PATIENTS, {"q": "smith"})
    with django_assert_max_num_queries(12):
        response = client.get(PATIENTS)
    assert response.content.decode().count("/staff/patients/") >= 30


# Activation codes from the console.


def test_the_patient_page_offers_to_issue_a_code(nora, dora):
    page = sign_in(Client(), nora).get(patient_url(dora)).content.decode()
    assert "Issue activation code" in page
    assert "No code is active." in page


def test_issuing_shows_the_code_once_with_its_expiry_and_what_to_tell_the_patient(nora, dora):
    client = sign_in(Client(), nora)
    page = client.get(patient_url(dora))
    key = page.context["issue_form"]["issue_key"].value()
    response = client.post(issue_url(dora), {"issue_key": key})
    html = response.content.decode()
    code = CODE_IN_PAGE.search(html).group(1)
    stored = ActivationCode.objects.get(patient=dora)
    assert stored.code_hash == code_hash(code)
    assert stored.issued_by == nora
    assert "expires on" in html
    assert "What to tell the patient" in html
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    # The patient page does not show it again.
    assert code not in client.get(patient_url(dora)).content.decode()
    event = AuditEvent.objects.filter(object_type="ActivationCode", actor=nora).first()
    assert event.patient == dora


def test_a_double_clicked_issue_issues_one_code(nora, dora):
    client = sign_in(Client(), nora)
    client.post(issue_url(dora), {"issue_key": "same-key-for-both-clicks-123"})
    second = client.post(issue_url(dora), {"issue_key": "same-key-for-both-clicks-123"})
    assert second.status_code == 302
    assert ActivationCode.objects.filter(patient=dora).count() == 1
    assert ActivationCode.objects.get(patient=dora).status == ActivationCodeStatus.ACTIVE


def test_a_new_code_from_the_console_revokes_the_old_one(nora, dora):
    old = issue_code(dora)
    client = sign_in(Client(), nora)
    client.post(issue_url(dora), {"issue_key": "another-fresh-issue-key-456"})
    old_code = ActivationCode.objects.get(code_hash=code_hash(old.code))
    assert old_code.status == ActivationCodeStatus.REVOKED


def test_revoking_stops_the_code_and_is_audited(nora, dora):
    issued = issue_code(dora)
    client = sign_in(Client(), nora)
    response = client.post(revoke_url(dora), follow=True)
    assert "The activation code was revoked." in response.content.decode()
    assert ActivationCode.objects.get(pk=issued.activation_code.pk).status == "revoked"
    assert AuditEvent.objects.filter(
        object_type="ActivationCode", action=AuditAction.UPDATE, actor=nora, patient=dora
    ).exists()


def test_staff_of_another_clinic_cannot_see_or_issue_or_revoke_for_alice(olga, alice):
    client = sign_in(Client(), olga)
    assert client.get(patient_url(alice.patient)).status_code == 404
    assert client.post(issue_url(alice.patient), {"issue_key": "x" * 30}).status_code == 404
    issue_code(alice.patient)
    assert client.post(revoke_url(alice.patient)).status_code == 404
    assert ActivationCode.objects.get(patient=alice.patient).status == "active"


def test_a_patient_cannot_use_the_console_pages_for_their_own_record(alice):
    client = sign_in(Client(), alice)
    assert client.get(patient_url(alice.patient)).status_code == 404
    assert client.post(issue_url(alice.patient), {"issue_key": "y" * 30}).status_code == 404
    assert not ActivationCode.objects.exists()


def test_issue_and_revoke_refuse_a_post_without_the_csrf_token(nora, dora):
    client = sign_in(Client(enforce_csrf_checks=True), nora)
    assert client.post(issue_url(dora), {"issue_key": "z" * 30}).status_code == 403
    issue_code(dora)
    assert client.post(revoke_url(dora)).status_code == 403
    assert ActivationCode.objects.get(patient=dora).status == "active"


# Enrollment requests.


def test_the_request_list_shows_pending_requests_first(nora):
    EnrollmentRequestFactory(
        given_names="Old",
        status=EnrollmentRequestStatus.APPROVED,
        decided_at="2026-01-01T00:00Z",
    )
    EnrollmentRequestFactory(given_names="Waiting")
    page = sign_in(Client(), nora).get(reverse("staff:enrollment_requests")).content.decode()
    assert page.index("Waiting") < page.index("Old")


def test_the_request_list_is_paginated(nora):
    EnrollmentRequestFactory.create_batch(30)
    client = sign_in(Client(), nora)
    first = client.get(reverse("staff:enrollment_requests"))
    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.content.decode()


def test_the_review_page_shows_matching_patients_of_the_reviewers_clinics(nora, dora, other_clinic):
    twin = PatientFactory(
        family_name="Diaz", birth_date=dora.birth_date, managing_organization=other_clinic
    )
    request = EnrollmentRequestFactory(family_name="diaz", birth_date=dora.birth_date)
    response = sign_in(Client(), nora).get(review_url(request))
    candidates = list(response.context["candidates"])
    assert candidates == [dora]
    assert str(twin.pk) not in response.content.decode()


def test_approving_issues_a_code_and_emails_a_one_time_link(nora, dora):
    request = EnrollmentRequestFactory(email="dora@example.org")
    client = sign_in(Client(), nora)
    response = client.post(approve_url(request), {"patient_id": str(dora.pk)}, follow=True)
    assert "Approved." in response.content.decode()
    request.refresh_from_db()
    assert request.status == EnrollmentRequestStatus.APPROVED
    assert request.patient == dora
    assert request.reviewed_by == nora
    assert request.decided_at is not None
    notification = Notification.objects.get(
        kind=NotificationKind.ACTIVATION_LINK, to_address="dora@example.org"
    )
    link = re.search(r"https?://\S+/enroll/\?code=([A-Z0-9-]+)", notification.body)
    assert link, notification.body
    assert ActivationCode.objects.get(patient=dora, status="active").code_hash == code_hash(
        link.group(1)
    )
    assert AuditEvent.objects.filter(
        object_type="EnrollmentRequest", object_id=str(request.pk), actor=nora
    ).exists()


def test_a_double_clicked_approve_acts_once(nora, dora):
    request = EnrollmentRequestFactory()
    client = sign_in(Client(), nora)
    client.post(approve_url(request), {"patient_id": str(dora.pk)})
    second = client.post(approve_url(request), {"patient_id": str(dora.pk)}, follow=True)
    assert "already approved or declined" in second.content.decode()
    assert ActivationCode.objects.filter(patient=dora).count() == 1
    assert Notification.objects.filter(kind=NotificationKind.ACTIVATION_LINK).count() == 1


def test_approving_for_a_patient_of_another_clinic_is_not_found(olga, dora):
    request = EnrollmentRequestFactory()
    response = sign_in(Client(), olga).post(approve_url(request), {"patient_id": str(dora.pk)})
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == EnrollmentRequestStatus.PENDING
    assert not Notification.objects.exists()


def test_approving_for_a_patient_who_has_an_account_is_refused(nora, alice):
    request = EnrollmentRequestFactory()
    response = sign_in(Client(), nora).post(
        approve_url(request), {"patient_id": str(alice.patient.pk)}, follow=True
    )
    assert "already has an account" in response.content.decode()
    request.refresh_from_db()
    assert request.status == EnrollmentRequestStatus.PENDING


def test_declining_sends_a_polite_note_once(nora):
    request = EnrollmentRequestFactory(email="someone@example.org")
    client = sign_in(Client(), nora)
    client.post(decline_url(request))
    client.post(decline_url(request))
    request.refresh_from_db()
    assert request.status == EnrollmentRequestStatus.DECLINED
    assert (
        Notification.objects.filter(
            kind=NotificationKind.ENROLLMENT_DECLINED, to_address="someone@example.org"
        ).count()
        == 1
    )
    assert AuditEvent.objects.filter(object_type="EnrollmentRequest", actor=nora).count() == 1


def test_patients_cannot_review_requests(alice):
    request = EnrollmentRequestFactory()
    client = sign_in(Client(), alice)
    assert client.get(review_url(request)).status_code == 404
    assert client.post(decline_url(request)).status_code == 404
    assert EnrollmentRequest.objects.get().status == EnrollmentRequestStatus.PENDING


def test_approve_and_decline_refuse_a_post_without_the_csrf_token(nora, dora):
    request = EnrollmentRequestFactory()
    client = sign_in(Client(enforce_csrf_checks=True), nora)
    assert client.post(approve_url(request), {"patient_id": str(dora.pk)}).status_code == 403
    assert client.post(decline_url(request)).status_code == 403
    assert EnrollmentRequest.objects.get().status == EnrollmentRequestStatus.PENDING


def test_the_emailed_link_lets_the_person_finish_enrolling(nora, dora):
    request = EnrollmentRequestFactory(email="dora@example.org")
    sign_in(Client(), nora).post(approve_url(request), {"patient_id": str(dora.pk)})
    body = Notification.objects.get(kind=NotificationKind.ACTIVATION_LINK).body
    path = re.search(r"https?://[^/\s]+(/enroll/\?code=[A-Z0-9-]+)", body).group(1)
    patient = Client()
    assert patient.get(path)["Location"] == reverse("enrollment:start")
    response = patient.post(
        reverse("enrollment:start"),
        {
            "code": patient.get(reverse("enrollment:start")).context["form"].initial["code"],
            "birth_month": "6",
            "birth_day": "15",
            "birth_year": "1975",
            "family_name": "Diaz",
        },
    )
    assert response["Location"] == reverse("enrollment:account")


def test_staff_open_a_patients_record_from_the_console_in_the_staff_frame(nora, alice):
    client = sign_in(Client(), nora)
    record_url = reverse("record:index", kwargs={"patient_id": alice.patient.pk})

    assert record_url in client.get(patient_url(alice.patient)).content.decode()
    page = client.get(record_url).content.decode()

    assert "Staff console" in page
    assert "Staff view of the record of" in page
    assert AuditEvent.objects.filter(actor=nora, patient=alice.patient).exists()


def test_the_patient_sees_their_own_record_in_the_patient_frame(alice):
    page = (
        sign_in(Client(), alice)
        .get(reverse("record:index", kwargs={"patient_id": alice.patient.pk}))
        .content.decode()
    )

    assert "Staff console" not in page
    assert "Staff view of the record of" not in page
