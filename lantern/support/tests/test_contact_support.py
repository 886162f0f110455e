"""The help centre's "Contact support" form: anyone may write, it reaches the clinic's staff in
the console, it is throttled and sent once, and no email or log carries what it says."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.utils import timezone

from lantern.access.models import StaffRole
from lantern.audit.models import AuditEvent
from lantern.messaging.models import Conversation
from lantern.notifications.models import Notification, NotificationKind
from lantern.support import services
from lantern.support.models import SupportRequest, SupportRequestStatus
from lantern.testing.auth import sign_in
from lantern.testing.factories import StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTACT = "/help/contact/"
SENT = "/help/contact/sent/"
SECRET_TEXT = "my chest hurts since Tuesday and my username is jill71"


def details(**changes):
    fields = {
        "name": "Jill Tillman",
        "email": "jill@example.org",
        "phone": "",
        "topic": "signing_in",
        "message": SECRET_TEXT,
        "submission_key": "k" * 32,
        "website": "",
    }
    fields.update(changes)
    return fields


@pytest.fixture
def clinic_administrator(clinic):
    user = UserFactory(username="ada", email="ada@clinic.example", is_staff=True)
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    StaffMembershipFactory(user=user, organization=clinic, role=StaffRole.ADMINISTRATOR)
    return user


def test_someone_not_signed_in_sends_a_request_and_sees_a_clear_confirmation(
    client, settings, nora, clinic
):
    settings.CLINIC_NAME = "Riverside Family Clinic"
    page = client.get(CONTACT)
    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()

    response = client.post(CONTACT, details(), follow=True)

    assert response.redirect_chain == [(SENT, 302)]
    html = response.content.decode()
    assert "<h1>We got your request</h1>" in html
    assert "Riverside Family Clinic" in html
    assert "within 3 business days" in html
    support_request = SupportRequest.objects.get()
    assert support_request.organization == clinic
    assert support_request.status == SupportRequestStatus.OPEN
    assert support_request.message == SECRET_TEXT


def test_a_request_is_never_linked_to_a_patient_nor_put_in_the_patient_inbox(client, alice, nora):
    # Someone types a patient's real name and email: nothing links the request to her record.
    client.post(CONTACT, details(name="Alice Adams", email=alice.email))

    assert not Conversation.objects.exists()
    field_names = {field.name for field in SupportRequest._meta.get_fields()}
    assert "patient" not in field_names
    assert "user" not in field_names


def test_the_form_needs_a_way_to_answer_and_says_so(client, nora):
    html = client.post(CONTACT, details(email="", phone="")).content.decode()

    assert "Enter an email address or a phone number to hear back." in html
    assert not SupportRequest.objects.exists()


def test_a_phone_number_alone_is_enough(client, nora):
    client.post(CONTACT, details(email="", phone="555-123-4567"))

    assert SupportRequest.objects.get().phone == "555-123-4567"


def test_every_control_has_a_label(client, nora):
    html = client.get(CONTACT).content.decode()

    for field in ["name", "email", "phone", "topic", "message"]:
        assert f'for="id_{field}"' in html
        assert f'id="id_{field}"' in html


def test_the_same_form_sent_twice_makes_one_request_and_one_notice(
    client, nora, clinic_administrator
):
    first = client.post(CONTACT, details())
    second = client.post(CONTACT, details())

    assert first.status_code == second.status_code == 302
    assert second["Location"] == SENT
    assert SupportRequest.objects.count() == 1
    assert Notification.objects.filter(kind=NotificationKind.SUPPORT_REQUEST_RECEIVED).count() == 1


def test_requests_from_one_address_are_throttled(settings, nora):
    settings.SUPPORT_REQUESTS_PER_HOUR = 2
    client = Client(REMOTE_ADDR="198.51.100.7")
    for number in range(2):
        assert client.post(CONTACT, details(submission_key=f"{number:032d}")).status_code == 302

    blocked = client.post(CONTACT, details(submission_key="z" * 32))

    assert blocked.status_code == 200
    assert str(services.TOO_MANY_FROM_HERE) in blocked.content.decode()
    assert SupportRequest.objects.count() == 2
    # Another address still gets through.
    other = Client(REMOTE_ADDR="198.51.100.8").post(CONTACT, details(submission_key="y" * 32))
    assert other.status_code == 302


def test_requests_from_everyone_together_are_throttled(settings, nora):
    settings.SUPPORT_REQUESTS_PER_HOUR_TOTAL = 3
    for number in range(3):
        client = Client(REMOTE_ADDR=f"198.51.100.{number + 1}")
        assert client.post(CONTACT, details(submission_key=f"{number:032d}")).status_code == 302

    blocked = Client(REMOTE_ADDR="203.0.113.50").post(CONTACT, details(submission_key="z" * 32))

    assert str(services.TOO_MANY_TODAY) in blocked.content.decode()
    assert SupportRequest.objects.count() == 3


def test_a_program_that_fills_the_hidden_field_is_answered_but_nothing_is_kept(client, nora):
    response = client.post(CONTACT, details(website="http://spam.example"))

    assert response.status_code == 302
    assert response["Location"] == SENT
    assert not SupportRequest.objects.exists()


def test_the_form_is_protected_against_cross_site_posts(nora):
    client = Client(enforce_csrf_checks=True)

    assert client.post(CONTACT, details()).status_code == 403
    assert not SupportRequest.objects.exists()


def test_staff_get_a_notice_without_the_sender_or_the_text(client, nora, clinic_administrator):
    client.post(CONTACT, details())

    notice = Notification.objects.get(kind=NotificationKind.SUPPORT_REQUEST_RECEIVED)
    assert notice.to_address == "ada@clinic.example"
    support_request = SupportRequest.objects.get()
    assert f"/staff/support/{support_request.pk}/" in notice.body
    for private in ["Jill", "Tillman", "jill@example.org", "chest", "jill71"]:
        assert private not in notice.body
        assert private not in notice.subject


def test_the_notice_goes_to_the_clinics_support_address_when_one_is_set(client, settings, nora):
    settings.SUPPORT_NOTICE_EMAIL = "help@clinic.example"

    client.post(CONTACT, details())

    notice = Notification.objects.get(kind=NotificationKind.SUPPORT_REQUEST_RECEIVED)
    assert notice.to_address == "help@clinic.example"


def test_nothing_the_person_wrote_reaches_the_logs(client, nora, clinic_administrator, caplog):
    with caplog.at_level(logging.DEBUG):
        client.post(CONTACT, details())

    for private in ["Tillman", "jill@example.org", "chest", "jill71"]:
        assert private not in caplog.text


def test_without_staff_to_read_it_the_page_says_to_call(client, clinic):
    html = client.get(CONTACT).content.decode()

    assert "not taking requests through the portal" in html
    assert "<form" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_with_several_clinics_the_person_chooses_theirs_and_only_its_staff_see_it(
    client, nora, other_clinic
):
    colleague_elsewhere = StaffMembershipFactory(organization=other_clinic).user
    html = client.get(CONTACT).content.decode()
    assert 'id="id_organization"' in html and "Hilltop Health" in html

    client.post(CONTACT, details(organization=str(other_clinic.pk)))

    support_request = SupportRequest.objects.get()
    assert support_request.organization == other_clinic
    assert sign_in(Client(), nora).get(f"/staff/support/{support_request.pk}/").status_code == 404
    page = sign_in(Client(), colleague_elsewhere).get(f"/staff/support/{support_request.pk}/")
    assert page.status_code == 200


def test_staff_see_open_requests_and_close_one(client, nora):
    Client().post(CONTACT, details())
    support_request = SupportRequest.objects.get()
    staff = sign_in(client, nora)

    listing = staff.get("/staff/support/").content.decode()
    assert "Jill Tillman" in listing
    assert f"/staff/support/{support_request.pk}/" in listing
    detail = staff.get(f"/staff/support/{support_request.pk}/").content.decode()
    assert SECRET_TEXT in detail
    assert "jill@example.org" in detail
    assert "not linked to a patient" in detail

    closed = staff.post(f"/staff/support/{support_request.pk}/close/", follow=True)

    assert "Closed." in closed.content.decode()
    support_request.refresh_from_db()
    assert support_request.status == SupportRequestStatus.CLOSED
    assert support_request.closed_by == nora
    assert "Jill Tillman" not in staff.get("/staff/support/").content.decode()
    assert "Jill Tillman" in staff.get("/staff/support/?show=closed").content.decode()
    event = AuditEvent.objects.get(object_type="SupportRequest")
    assert event.object_id == str(support_request.pk)
    assert event.patient is None


def test_closing_twice_closes_once(client, nora):
    Client().post(CONTACT, details())
    support_request = SupportRequest.objects.get()
    staff = sign_in(client, nora)

    staff.post(f"/staff/support/{support_request.pk}/close/")
    again = staff.post(f"/staff/support/{support_request.pk}/close/", follow=True)

    assert "This request was already closed." in again.content.decode()
    assert AuditEvent.objects.filter(object_type="SupportRequest").count() == 1


def test_patients_and_people_not_signed_in_cannot_open_the_staff_list(client, alice, nora):
    Client().post(CONTACT, details())
    support_request = SupportRequest.objects.get()

    patient = sign_in(Client(), alice)
    assert patient.get("/staff/support/").status_code == 404
    assert patient.get(f"/staff/support/{support_request.pk}/").status_code == 404
    assert patient.post(f"/staff/support/{support_request.pk}/close/").status_code == 404
    assert Client().get("/staff/support/").status_code == 302


def test_the_console_home_counts_open_requests_and_links_to_them(client, nora):
    Client().post(CONTACT, details())

    html = sign_in(client, nora).get("/staff/").content.decode()

    assert "<strong>1</strong> open" in html
    assert 'href="/staff/support/"' in html


def test_the_support_list_costs_the_same_queries_with_few_or_many_requests(
    client, nora, clinic, django_assert_num_queries
):
    staff = sign_in(client, nora)

    def make(count: int, start: int) -> None:
        for number in range(start, start + count):
            SupportRequest.objects.create(
                organization=clinic,
                name=f"Person {number}",
                email="p@example.org",
                topic="other",
                message="Help",
                submission_key=f"{number:032d}",
            )

    make(1, 0)
    staff.get("/staff/support/")
    with django_assert_num_queries(_queries(staff, "/staff/support/")) as few:
        staff.get("/staff/support/")
    make(30, 1)
    with django_assert_num_queries(len(few.captured_queries)):
        staff.get("/staff/support/")
    one = SupportRequest.objects.first()
    with django_assert_num_queries(_queries(staff, f"/staff/support/{one.pk}/")):
        staff.get(f"/staff/support/{one.pk}/")


def _queries(client, address: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(address)
    return len(captured.captured_queries)
