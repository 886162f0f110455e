"""Who may act for which patient: the access policy, its 404s and its audit trail."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from config import urls as lantern_urls
from lantern.access.decorators import patient_view
from lantern.access.models import Section, StaffMembership, StaffRole
from lantern.access.policy import (
    PatientNotFound,
    patient_access,
    patient_scope,
    patients_for,
    records_for,
    staff_access,
    staff_template,
    visible_records,
)
from lantern.audit.models import ActorRole, AuditAction, AuditEvent, AuditOutcome
from lantern.clinical.models import Observation
from lantern.core.context import RequestContext, request_context
from lantern.testing.auth import sign_in, sign_in_password_only
from lantern.testing.factories import (
    ObservationFactory,
    OrganizationFactory,
    PatientFactory,
    StaffMembershipFactory,
)

SOURCE_ADDRESS = "203.0.113.7"
USER_AGENT = "LanternTest/1.0 (policy)"


@patient_view(section=Section.RECORD, action=AuditAction.VIEW, object_type="record")
def _record_summary(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(request.patient_access.patient.pk), content_type="text/plain")


# A test-only URL configuration, so the policy is also exercised through a real request: the
# middleware fills the request context and the decorator resolves the patient. The converter is
# `str`, not `uuid`, so that malformed ids reach the policy instead of stopping at the resolver.
# The real routes (sign-in, two-factor pages) plus one patient page to exercise the decorator.
urlpatterns = [path("patients/<str:patient_id>/", _record_summary), *lantern_urls.urlpatterns]
THIS_URLCONF = __name__


@pytest.fixture
def request_from_a_browser():
    """Audit events read the source address and user agent from the request context."""
    token = request_context.set(RequestContext(ip_address=SOURCE_ADDRESS, user_agent=USER_AGENT))
    try:
        yield
    finally:
        request_context.reset(token)


@pytest.fixture
def outsider(other_clinic):
    """A patient of another clinic: nora must not see them, olga may."""
    return PatientFactory(
        given_names="Oscar", family_name="Outside", managing_organization=other_clinic
    )


# A patient account sees only its own record.


def test_a_patient_opens_their_own_record_as_self(alice):
    access = patient_access(alice, alice.patient.pk)

    assert access.patient == alice.patient
    assert access.user == alice
    assert access.role == ActorRole.SELF


def test_a_patient_id_given_as_a_string_is_accepted(alice):
    access = patient_access(alice, str(alice.patient.pk))

    assert access.patient == alice.patient


def test_alice_cannot_open_charlies_record(alice, charlie):
    with pytest.raises(PatientNotFound):
        patient_access(alice, charlie.patient.pk)


def test_out_of_scope_is_not_found_rather_than_forbidden():
    # A 403 would confirm that the record exists; a 404 does not.
    assert issubclass(PatientNotFound, Http404)


def test_alice_lists_only_her_own_record(alice, charlie):
    assert list(patients_for(alice)) == [alice.patient]


def test_alice_sees_only_her_own_observations(alice, charlie):
    alices_results = ObservationFactory.create_batch(3, patient=alice.patient)
    ObservationFactory.create_batch(2, patient=charlie.patient)

    visible = visible_records(alice, Observation)

    assert {observation.pk for observation in visible} == {result.pk for result in alices_results}


def test_charlie_sees_none_of_alices_observations(alice, charlie):
    ObservationFactory.create_batch(2, patient=alice.patient)

    assert not visible_records(charlie, Observation).exists()


# Staff see their clinic's patients and no one else's.


def test_staff_list_every_patient_of_their_clinic(nora, alice, charlie, outsider):
    assert set(patients_for(nora)) == {alice.patient, charlie.patient}


def test_staff_open_a_patient_of_their_clinic_as_staff(nora, alice):
    access = patient_access(nora, alice.patient.pk)

    assert access.patient == alice.patient
    assert access.role == ActorRole.STAFF


def test_staff_of_another_clinic_cannot_see_alice(olga, alice, outsider):
    ObservationFactory(patient=alice.patient)

    assert alice.patient not in patients_for(olga)
    assert not visible_records(olga, Observation).filter(patient=alice.patient).exists()
    with pytest.raises(PatientNotFound):
        patient_access(olga, alice.patient.pk)


def test_staff_work_list_holds_only_their_clinics_records(nora, alice, charlie, outsider):
    clinic_results = [
        ObservationFactory(patient=alice.patient),
        ObservationFactory(patient=charlie.patient),
    ]
    ObservationFactory(patient=outsider)

    visible = visible_records(nora, Observation)

    assert {observation.pk for observation in visible} == {result.pk for result in clinic_results}


def test_an_inactive_staff_membership_gives_nothing(nora, alice):
    StaffMembership.objects.filter(user=nora).update(is_active=False)
    ObservationFactory(patient=alice.patient)

    assert not patients_for(nora).exists()
    assert not visible_records(nora, Observation).exists()
    with pytest.raises(PatientNotFound):
        patient_access(nora, alice.patient.pk)


# Anonymous and inactive accounts get nothing.


def test_an_anonymous_visitor_gets_nothing(alice):
    ObservationFactory(patient=alice.patient)
    visitor = AnonymousUser()

    assert not patients_for(visitor).exists()
    assert not visible_records(visitor, Observation).exists()
    with pytest.raises(PatientNotFound):
        patient_access(visitor, alice.patient.pk)


def test_no_user_at_all_gets_nothing(alice):
    assert not patients_for(None).exists()
    with pytest.raises(PatientNotFound):
        patient_access(None, alice.patient.pk)


def test_an_inactive_patient_account_cannot_open_its_own_record(alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    assert not patients_for(alice).exists()
    with pytest.raises(PatientNotFound):
        patient_access(alice, alice.patient.pk)


def test_an_inactive_staff_account_gets_nothing_despite_an_active_membership(nora, alice):
    nora.is_active = False
    nora.save(update_fields=["is_active"])

    assert not patients_for(nora).exists()
    with pytest.raises(PatientNotFound):
        patient_access(nora, alice.patient.pk)


# Malformed and unknown ids.


@pytest.mark.parametrize(
    "patient_id",
    ["", "not-a-uuid", "12345", "1' OR '1'='1", "0" * 33, "None"],
)
def test_a_malformed_patient_id_is_not_found(alice, patient_id):
    with pytest.raises(PatientNotFound):
        patient_access(alice, patient_id)


def test_a_patient_that_does_not_exist_is_not_found_and_audited_without_a_patient(alice):
    unknown = uuid.uuid4()

    with pytest.raises(PatientNotFound):
        patient_access(alice, unknown)

    event = AuditEvent.objects.get()
    assert event.outcome == AuditOutcome.DENIED
    assert event.patient is None
    assert event.object_id == str(unknown)


# Every access is audited, allowed or denied.


def test_an_allowed_access_writes_one_event_with_the_request_context(alice, request_from_a_browser):
    patient_access(alice, alice.patient.pk, action=AuditAction.EXPORT, object_type="Observation")

    event = AuditEvent.objects.get()
    assert event.outcome == AuditOutcome.ALLOWED
    assert event.actor == alice
    assert event.actor_label == "alice"
    assert event.actor_role == ActorRole.SELF
    assert event.patient == alice.patient
    assert event.action == AuditAction.EXPORT
    assert event.object_type == "Observation"
    assert event.channel == "web"
    assert event.ip_address == SOURCE_ADDRESS
    assert event.user_agent == USER_AGENT


def test_a_staff_access_is_audited_in_the_staff_role(nora, alice, request_from_a_browser):
    patient_access(nora, alice.patient.pk)

    event = AuditEvent.objects.get()
    assert event.outcome == AuditOutcome.ALLOWED
    assert event.actor == nora
    assert event.actor_role == ActorRole.STAFF
    assert event.patient == alice.patient
    assert event.ip_address == SOURCE_ADDRESS
    assert event.user_agent == USER_AGENT


def test_each_allowed_access_writes_its_own_event(alice):
    patient_access(alice, alice.patient.pk)
    patient_access(alice, alice.patient.pk)

    assert AuditEvent.objects.filter(actor=alice, outcome=AuditOutcome.ALLOWED).count() == 2


def test_an_access_outside_a_request_is_audited_as_the_system_channel(alice):
    patient_access(alice, alice.patient.pk)

    event = AuditEvent.objects.get()
    assert event.channel == "system"
    assert event.ip_address is None
    assert event.user_agent == ""


def test_a_denied_access_writes_a_denied_event(alice, charlie, request_from_a_browser):
    with pytest.raises(PatientNotFound):
        patient_access(alice, charlie.patient.pk)

    event = AuditEvent.objects.get()
    assert event.outcome == AuditOutcome.DENIED
    assert event.actor == alice
    assert event.actor_role == ActorRole.NONE
    assert event.patient == charlie.patient
    assert event.ip_address == SOURCE_ADDRESS
    assert event.user_agent == USER_AGENT


def test_a_denied_access_by_staff_of_another_clinic_is_audited(olga, alice):
    with pytest.raises(PatientNotFound):
        patient_access(olga, alice.patient.pk)

    event = AuditEvent.objects.get()
    assert event.outcome == AuditOutcome.DENIED
    assert event.actor == olga
    assert event.patient == alice.patient


def test_a_denied_access_by_an_anonymous_visitor_is_audited_without_an_actor(
    alice, request_from_a_browser
):
    with pytest.raises(PatientNotFound):
        patient_access(AnonymousUser(), alice.patient.pk)

    event = AuditEvent.objects.get()
    assert event.outcome == AuditOutcome.DENIED
    assert event.actor is None
    assert event.actor_label == ""
    assert event.ip_address == SOURCE_ADDRESS


def test_an_allowed_access_costs_one_lookup_and_one_audit_insert(alice, django_assert_num_queries):
    with django_assert_num_queries(2):
        patient_access(alice, alice.patient.pk)


# records_for is limited to the patient the access was granted for.


def test_records_for_returns_only_that_patients_rows(nora, alice, charlie):
    alices_results = ObservationFactory.create_batch(2, patient=alice.patient)
    ObservationFactory.create_batch(3, patient=charlie.patient)
    access = patient_access(nora, alice.patient.pk)

    records = records_for(access, Observation)

    assert {observation.pk for observation in records} == {result.pk for result in alices_results}


def test_records_for_is_empty_for_a_patient_without_rows(alice, charlie):
    ObservationFactory(patient=charlie.patient)
    access = patient_access(alice, alice.patient.pk)

    assert not records_for(access, Observation).exists()


# The same rules through a real request: middleware, decorator, policy.


@pytest.mark.urls(THIS_URLCONF)
def test_alice_opens_her_record_through_the_web_and_the_event_carries_her_browser(client, alice):
    sign_in(client, alice)

    response = client.get(f"/patients/{alice.patient.pk}/", headers={"user-agent": USER_AGENT})

    assert response.status_code == 200
    assert response.content.decode() == str(alice.patient.pk)
    event = AuditEvent.objects.get()
    assert event.outcome == AuditOutcome.ALLOWED
    assert event.actor == alice
    assert event.actor_role == ActorRole.SELF
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == USER_AGENT


@pytest.mark.urls(THIS_URLCONF)
def test_alice_asking_for_charlies_record_through_the_web_gets_404_and_a_denied_event(
    client, alice, charlie
):
    sign_in(client, alice)

    response = client.get(f"/patients/{charlie.patient.pk}/", headers={"user-agent": USER_AGENT})

    assert response.status_code == 404
    assert str(charlie.patient.pk) not in response.content.decode()
    event = AuditEvent.objects.get()
    assert event.outcome == AuditOutcome.DENIED
    assert event.patient == charlie.patient
    assert event.user_agent == USER_AGENT


@pytest.mark.urls(THIS_URLCONF)
def test_a_malformed_patient_id_in_the_url_is_404_not_500(client, alice):
    sign_in(client, alice)

    response = client.get("/patients/not-a-uuid/")

    assert response.status_code == 404


@pytest.mark.urls(THIS_URLCONF)
def test_an_anonymous_visitor_is_sent_to_sign_in_and_nothing_is_audited(client, alice):
    response = client.get(f"/patients/{alice.patient.pk}/")

    assert response.status_code == 302
    assert not AuditEvent.objects.exists()


@pytest.mark.urls(THIS_URLCONF)
def test_a_session_without_the_second_factor_is_sent_to_sign_in_and_nothing_is_read(client, alice):
    sign_in_password_only(client, alice)

    response = client.get(f"/patients/{alice.patient.pk}/")

    assert response.status_code == 302
    assert not AuditEvent.objects.exists()


# Staff access: the memberships a staff page reads once.


@pytest.mark.django_db
def test_a_staff_access_names_the_clinics_where_the_role_opens_a_section(
    nora, clinic, other_clinic
):
    StaffMembershipFactory(user=nora, organization=other_clinic, role=StaffRole.FRONT_DESK)
    StaffMembershipFactory(
        user=nora, organization=OrganizationFactory(), role=StaffRole.NURSE, is_active=False
    )

    staff = staff_access(nora)

    assert staff.roles == {StaffRole.NURSE, StaffRole.FRONT_DESK}
    assert set(staff.organizations()) == {clinic.pk, other_clinic.pk}
    assert set(staff.organizations(Section.MESSAGES)) == {clinic.pk, other_clinic.pk}
    # The front desk never opens results.
    assert staff.organizations(Section.RESULTS) == (clinic.pk,)
    assert staff_access(AnonymousUser()).memberships == ()


def test_a_staff_template_answers_only_for_the_section_it_knows():
    template = staff_template(True, False, 2, Section.MESSAGES)

    assert patient_scope(template, section=Section.MESSAGES)
    with pytest.raises(ValueError, match="clinics that open"):
        patient_scope(template, section=Section.RESULTS)
