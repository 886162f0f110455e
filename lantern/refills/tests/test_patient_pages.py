"""The patient's medications page and asking for refills through it (issue 14, points 1, 2, 4
and 5)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lantern.access.models import ProxyPermission
from lantern.audit.models import AuditEvent
from lantern.clinical.models import MedicationRequest, MedicationRequestStatus
from lantern.refills import services
from lantern.refills.models import PatientPharmacy, RefillKind, RefillRequest, RefillStatus
from lantern.testing.auth import sign_in
from lantern.testing.factories import (
    MedicationRequestFactory,
    PractitionerFactory,
    ProxyRelationshipFactory,
    UserFactory,
)

from .factories import (
    ControlledMedicineFactory,
    PharmacyFactory,
    medication,
    request_refill,
    staff_access,
)

pytestmark = pytest.mark.django_db
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def medications_url(patient) -> str:
    return reverse("record:medications", kwargs={"patient_id": patient.pk})


def request_url(patient) -> str:
    return reverse("refills:request", kwargs={"patient_id": patient.pk})


def detail_url(refill) -> str:
    return reverse(
        "refills:detail", kwargs={"patient_id": refill.patient_id, "refill_id": refill.pk}
    )


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_page_lists_medicines_taken_now_and_past_ones_separately(alice_client, alice):
    prescriber = PractitionerFactory(given_names="Maria", family_name="Lopez")
    medication(alice.patient, display="Lisinopril 10 MG", prescriber=prescriber, refills_allowed=2)
    medication(alice.patient, display="Amoxicillin", status=MedicationRequestStatus.COMPLETED)

    response = alice_client.get(medications_url(alice.patient))
    html = text_of(response)

    current = html.split('data-testid="current-medications"')[1].split("</table>")[0]
    past = html.split('data-testid="past-medications"')[1].split("</table>")[0]
    assert "Lisinopril 10 MG" in current and "Amoxicillin" not in current
    assert "Amoxicillin" in past
    assert "Maria Lopez" in current
    assert "2 refills left" in current
    assert "Request a refill" in html


def test_each_medicine_says_why_it_cannot_be_refilled_and_what_to_do(
    alice_client, alice, clinic, pharmacy
):
    clinic.phone = "555-0199"
    clinic.save(update_fields=["phone"])
    ControlledMedicineFactory(organization=clinic, code="1049621")
    medication(alice.patient, display="Oxycodone", code="1049621", code_system=RXNORM)
    medication(alice.patient, display="Metformin", refills_allowed=0)
    waiting = request_refill(alice, medication(alice.patient, display="Lisinopril"), pharmacy)

    html = text_of(alice_client.get(medications_url(alice.patient)))

    assert (
        "controlled medicine, so it cannot be refilled online. Call the clinic on 555-0199" in html
    )
    assert "No refills are left. You can ask for a renewal" in html
    assert "Ask for a renewal" in html
    assert "Waiting for the clinic" in html
    assert detail_url(waiting) in html


def test_asking_goes_through_a_confirm_page_and_a_double_click_acts_once(
    alice_client, alice, pharmacy
):
    medicine = medication(alice.patient, display="Lisinopril")
    form = alice_client.get(request_url(alice.patient) + f"?medication={medicine.pk}")
    assert form.status_code == 200
    submission = form.context["form"]["submission_id"].value()
    fields = {
        "medications": [str(medicine.pk)],
        "pharmacy": str(pharmacy.pk),
        "save_pharmacy": "on",
        "comment": "Going away on the 12th",
        "submission_id": str(submission),
    }

    review = alice_client.post(request_url(alice.patient), {**fields, "step": "review"})
    assert "Check your request" in text_of(review)
    assert not RefillRequest.objects.exists()
    first = alice_client.post(request_url(alice.patient), {**fields, "step": "send"})
    second = alice_client.post(request_url(alice.patient), {**fields, "step": "send"})

    assert first.status_code == second.status_code == 302
    refill = RefillRequest.objects.get()
    assert (refill.comment, refill.pharmacy, refill.status) == (
        "Going away on the 12th",
        pharmacy,
        RefillStatus.REQUESTED,
    )
    assert PatientPharmacy.objects.get(patient=alice.patient, is_default=True).pharmacy == pharmacy
    assert "Your request was sent" in text_of(alice_client.get(first["Location"]))


def test_the_saved_default_pharmacy_is_chosen_first(alice_client, alice, clinic):
    usual = PharmacyFactory(organization=clinic, name="Corner Pharmacy")
    PharmacyFactory(organization=clinic, name="Another Pharmacy")
    PatientPharmacy.objects.create(patient=alice.patient, pharmacy=usual, is_default=True)
    medication(alice.patient)

    html = text_of(alice_client.get(request_url(alice.patient)))

    assert f'<option value="{usual.pk}" selected>Corner Pharmacy (your usual)' in html
    assert "Another Pharmacy" in html


def test_a_form_without_a_medicine_or_pharmacy_says_what_to_fix(alice_client, alice, pharmacy):
    medication(alice.patient)

    response = alice_client.post(
        request_url(alice.patient), {"step": "review", "submission_id": str(uuid.uuid4())}
    )

    assert response.status_code == 400
    html = text_of(response)
    assert "Choose at least one medicine." in html
    assert "Choose a pharmacy." in html


def test_the_history_shows_each_step_with_its_time_and_the_reason(
    alice_client, alice, nora, pharmacy
):
    refill = request_refill(alice, medication(alice.patient), pharmacy)
    services.refill_deny(
        access=staff_access(nora, alice.patient), refill=refill, reason="Please book a review."
    )

    html = text_of(alice_client.get(detail_url(refill)))

    assert "Not approved" in html
    assert "Please book a review." in html
    history = html.split('data-testid="refill-history"')[1]
    assert "Asked" in history and "by the clinic" in history
    assert "nora" not in history


def test_the_patient_cancels_while_the_request_waits(alice_client, alice, pharmacy):
    refill = request_refill(alice, medication(alice.patient), pharmacy)

    response = alice_client.post(detail_url(refill))

    assert response.status_code == 302
    refill.refresh_from_db()
    assert refill.status == RefillStatus.CANCELLED
    html = text_of(alice_client.get(detail_url(refill)))
    assert "Cancel this request" not in html
    assert "Cancelled" in html


def test_another_patients_request_is_not_found(alice_client, charlie, pharmacy, clinic):
    charlies = request_refill(charlie, medication(charlie.patient), pharmacy)
    url = reverse(
        "refills:detail", kwargs={"patient_id": charlie.patient.pk, "refill_id": charlies.pk}
    )
    under_alices = url.replace(str(charlie.patient.pk), str(alice_client.session["_auth_user_id"]))

    assert alice_client.get(url).status_code == 404
    assert alice_client.post(url).status_code == 404
    assert alice_client.get(under_alices).status_code == 404
    charlies.refresh_from_db()
    assert charlies.status == RefillStatus.REQUESTED


def test_alice_cannot_open_charlies_request_under_her_own_record(
    alice_client, alice, charlie, pharmacy
):
    charlies = request_refill(charlie, medication(charlie.patient), pharmacy)
    url = reverse(
        "refills:detail", kwargs={"patient_id": alice.patient.pk, "refill_id": charlies.pk}
    )

    assert alice_client.get(url).status_code == 404
    assert alice_client.post(url).status_code == 404
    charlies.refresh_from_db()
    assert charlies.status == RefillStatus.REQUESTED
    assert AuditEvent.objects.filter(object_id=str(charlies.pk), outcome="denied").count() == 2


def test_a_proxy_with_the_medicines_permission_asks_sees_the_history_and_cancels(alice, pharmacy):
    helper = UserFactory(username="helper")
    ProxyRelationshipFactory(
        proxy=helper, patient=alice.patient, permissions=int(ProxyPermission.MEDICATIONS)
    )
    medicine = medication(alice.patient)
    client = sign_in(Client(), helper)

    client.post(
        request_url(alice.patient),
        {
            "medications": [str(medicine.pk)],
            "pharmacy": str(pharmacy.pk),
            "submission_id": str(uuid.uuid4()),
            "step": "send",
        },
    )

    refill = RefillRequest.objects.get()
    assert (refill.requested_by, refill.requested_by_role) == (helper, "proxy")
    assert client.get(detail_url(refill)).status_code == 200
    client.post(detail_url(refill))
    refill.refresh_from_db()
    assert refill.status == RefillStatus.CANCELLED
    patients_view = text_of(sign_in(Client(), alice).get(detail_url(refill)))
    assert "by someone helping with your care" in patients_view


def test_a_proxy_without_the_medicines_permission_gets_not_found(alice, bob, pharmacy):
    refill = request_refill(alice, medication(alice.patient), pharmacy)
    client = sign_in(Client(), bob)

    for url in (medications_url(alice.patient), request_url(alice.patient), detail_url(refill)):
        assert client.get(url).status_code == 404
    assert client.post(detail_url(refill)).status_code == 404
    refill.refresh_from_db()
    assert refill.status == RefillStatus.REQUESTED


def test_the_medications_page_costs_the_same_with_1_and_200_medicines(
    alice_client, alice, pharmacy
):
    def queries() -> int:
        url = medications_url(alice.patient)
        alice_client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(url).status_code == 200
        return len(captured)

    request_refill(alice, medication(alice.patient), pharmacy)
    few = queries()
    MedicationRequest.objects.bulk_create(
        MedicationRequestFactory.build_batch(199, patient=alice.patient)
    )
    for medicine in MedicationRequest.objects.filter(patient=alice.patient)[:30]:
        if not medicine.refill_requests.exists():
            request_refill(alice, medicine, pharmacy)

    assert queries() == few


def test_the_request_form_costs_the_same_with_1_and_200_medicines(alice_client, alice, pharmacy):
    def queries() -> int:
        url = request_url(alice.patient)
        alice_client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(url).status_code == 200
        return len(captured)

    medication(alice.patient)
    few = queries()
    MedicationRequest.objects.bulk_create(
        MedicationRequestFactory.build_batch(199, patient=alice.patient)
    )
    PharmacyFactory.create_batch(20, organization=pharmacy.organization)

    assert queries() == few


def test_a_renewal_request_is_made_when_no_refills_are_left(alice_client, alice, pharmacy):
    medicine = medication(alice.patient, refills_allowed=0)

    alice_client.post(
        request_url(alice.patient),
        {
            "medications": [str(medicine.pk)],
            "pharmacy": str(pharmacy.pk),
            "submission_id": str(uuid.uuid4()),
            "step": "send",
        },
    )

    assert RefillRequest.objects.get().kind == RefillKind.RENEWAL


def test_a_common_medicine_has_its_plain_name_beside_the_recorded_one(alice_client, alice):
    recorded = "120 ACTUAT Fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler"
    medication(alice.patient, display=recorded, code="895994", code_system=RXNORM)
    medication(alice.patient, display="Compounded cream", code="999999", code_system=RXNORM)

    html = text_of(alice_client.get(medications_url(alice.patient)))

    assert "Fluticasone inhaler (a steroid preventer for asthma)" in html
    assert recorded in html
    assert html.count('data-testid="plain-name"') == 1


def test_the_request_form_escapes_names_ticks_the_medicine_asked_for_and_selects_the_usual(
    alice_client, alice, clinic
):
    # The form's medicines and pharmacies are worded in Python (refills.presenters).
    asked = medication(alice.patient, display="<i>Lisinopril</i> & co")
    other = medication(alice.patient, display="Metformin")
    usual = PharmacyFactory(organization=clinic, name="<b>Corner</b> pharmacy")
    PharmacyFactory(organization=clinic, name="Main Street", address="1 Main St <north>")
    PatientPharmacy.objects.create(patient=alice.patient, pharmacy=usual, is_default=True)

    html = text_of(alice_client.get(f"{request_url(alice.patient)}?medication={asked.pk}"))

    assert "&lt;i&gt;Lisinopril&lt;/i&gt; &amp; co" in html and "<i>" not in html
    assert f'value="{asked.pk}" checked' in html
    assert f'value="{other.pk}" aria-describedby' in html
    assert (
        f'<option value="{usual.pk}" selected>&lt;b&gt;Corner&lt;/b&gt; pharmacy (your usual)'
        in html
    )
    assert "Main Street, 1 Main St &lt;north&gt;</option>" in html
    assert "<b>" not in html
