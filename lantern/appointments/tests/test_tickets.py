"""Booking invitations ("tickets"): the clinic invites a patient to book one visit themselves,
between two dates, even a visit patients may not book on their own; booking uses it up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from lantern.access.policy import ObjectNotFound
from lantern.appointments import services, tickets
from lantern.appointments.booking import open_week
from lantern.appointments.models import Appointment, BookingTicket, BookingTicketStatus
from lantern.audit.models import AuditAction, AuditEvent
from lantern.notifications.models import Notification, NotificationKind
from lantern.testing.auth import sign_in

from .conftest import access_for, at, clinician_make, new_submission

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_morning")]

MONDAY = dt.date(2026, 1, 12)


def ticket_for(nora, alice, visit_type, location=None, *, earliest=MONDAY, days=14, **extra):
    return tickets.ticket_send(
        access=access_for(nora, alice.patient),
        visit_type=visit_type,
        location=location,
        clinician_id=extra.get("clinician_id"),
        earliest_on=earliest,
        latest_on=earliest + dt.timedelta(days=days),
        note=extra.get("note", ""),
        submission_id=extra.get("submission_id") or new_submission(),
    )


def book_with(alice, ticket, visit_type, location, doctor, starts_at):
    return services.appointment_book(
        access=access_for(alice, alice.patient),
        visit_type=visit_type,
        location=location,
        clinician_id=doctor.pk,
        starts_at=starts_at,
        submission_id=new_submission(),
        ticket=ticket,
    )


def test_a_ticket_lets_the_patient_book_a_visit_they_could_not_book_alone(
    alice, nora, procedure, location, doctor
):
    ticket = ticket_for(nora, alice, procedure, location)
    with pytest.raises(services.AppointmentError, match="ask the clinic"):
        book_with(alice, None, procedure, location, doctor, at(dt.date(2026, 1, 13), 10))

    found = tickets.ticket_for_booking(access_for(alice, alice.patient), ticket.pk)
    appointment = book_with(alice, found, procedure, location, doctor, at(dt.date(2026, 1, 13), 10))

    ticket.refresh_from_db()
    assert ticket.status == BookingTicketStatus.USED
    assert ticket.appointment == appointment
    assert tickets.tickets_open(access_for(alice, alice.patient)) == []


def test_a_ticket_books_only_once(alice, nora, procedure, location, doctor):
    ticket = ticket_for(nora, alice, procedure, location)
    stale = tickets.ticket_for_booking(access_for(alice, alice.patient), ticket.pk)
    book_with(alice, stale, procedure, location, doctor, at(dt.date(2026, 1, 13), 10))

    with pytest.raises(tickets.TicketError, match="already used"):
        book_with(alice, stale, procedure, location, doctor, at(dt.date(2026, 1, 14), 10))
    assert Appointment.objects.count() == 1
    with pytest.raises(ObjectNotFound):
        tickets.ticket_for_booking(access_for(alice, alice.patient), ticket.pk)


def test_a_ticket_keeps_to_its_dates_even_beyond_the_usual_horizon(
    alice, nora, procedure, location, doctor
):
    # The procedure may normally be booked 60 days ahead; the clinic asks for a visit in April.
    april = dt.date(2026, 4, 6)
    ticket = ticket_for(nora, alice, procedure, location, earliest=april, days=4)
    found = tickets.ticket_for_booking(access_for(alice, alice.patient), ticket.pk)
    week = open_week(
        visit_type=procedure,
        location=location,
        clinician_id=None,
        week="2026-04-05",
        ticket=found,
    )
    local_days = {day.day for day in week.days}
    assert local_days == {april + dt.timedelta(days=offset) for offset in range(5)}

    with pytest.raises(services.SlotNotOpen, match="invited"):
        book_with(alice, ticket, procedure, location, doctor, at(dt.date(2026, 1, 13), 10))
    appointment = book_with(alice, ticket, procedure, location, doctor, at(april, 9))
    assert appointment.starts_at == at(april, 9)


def test_sending_the_same_ticket_twice_sends_it_once_and_is_audited(alice, nora, procedure):
    submission = new_submission()
    first = ticket_for(nora, alice, procedure, submission_id=submission)
    again = ticket_for(nora, alice, procedure, submission_id=submission)

    assert first == again
    assert BookingTicket.objects.count() == 1
    assert (
        AuditEvent.objects.filter(
            object_type="BookingTicket", object_id=str(first.pk), action=AuditAction.CREATE
        ).count()
        == 1
    )


def test_patients_cannot_send_tickets_and_dates_are_checked(alice, nora, procedure):
    with pytest.raises(tickets.TicketError, match="Only the clinic"):
        ticket_for(alice, alice, procedure)
    with pytest.raises(tickets.TicketError, match="past") as error:
        ticket_for(nora, alice, procedure, earliest=MONDAY - dt.timedelta(days=1))
    assert error.value.field == "earliest_on"
    with pytest.raises(tickets.TicketError, match="within a year"):
        ticket_for(nora, alice, procedure, days=400)


def test_another_clinics_visit_cannot_be_ticketed(alice, nora, other_clinic):
    from lantern.appointments.models import VisitType

    elsewhere = VisitType.objects.create(organization=other_clinic, name="Scan", length_minutes=30)
    with pytest.raises(tickets.TicketError, match="this clinic offers"):
        ticket_for(nora, alice, elsewhere)


def test_a_withdrawn_ticket_cannot_be_booked(alice, nora, procedure, location):
    ticket = ticket_for(nora, alice, procedure, location)
    tickets.ticket_withdraw(access=access_for(nora, alice.patient), ticket_id=ticket.pk)

    with pytest.raises(ObjectNotFound):
        tickets.ticket_for_booking(access_for(alice, alice.patient), ticket.pk)


def test_staff_invite_a_patient_from_the_console(client, alice, nora, procedure, location):
    sign_in(client, nora)
    url = reverse("appointments:staff_tickets", kwargs={"patient_id": alice.patient.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "Invite Alice Adams to book a visit" in page.content.decode()

    wrong = client.post(
        url,
        {
            "submission_id": new_submission(),
            "visit_type": procedure.pk,
            "earliest_on": "2026-01-20",
            "latest_on": "2026-01-19",
        },
    )
    assert "The last day must be on or after the first day." in wrong.content.decode()
    assert BookingTicket.objects.count() == 0

    sent = client.post(
        url,
        {
            "submission_id": new_submission(),
            "visit_type": procedure.pk,
            "location": location.pk,
            "earliest_on": "2026-01-13",
            "latest_on": "2026-01-30",
            "note": "For the mole on your back.",
        },
        follow=True,
    )
    assert "can now book this visit from their home page" in sent.content.decode()
    ticket = BookingTicket.objects.get()
    assert (ticket.visit_type, ticket.location, ticket.sent_by) == (procedure, location, nora)

    client.post(
        reverse("appointments:staff_ticket_withdraw", kwargs={"patient_id": alice.patient.pk}),
        {"ticket": ticket.pk},
    )
    ticket.refresh_from_db()
    assert ticket.status == BookingTicketStatus.WITHDRAWN


def test_the_console_page_is_not_for_patients_or_other_clinics(client, alice, other_clinic):
    url = reverse("appointments:staff_tickets", kwargs={"patient_id": alice.patient.pk})
    sign_in(client, alice)
    assert client.get(url).status_code == 404

    elsewhere = clinician_make(other_clinic, "dr-elsewhere")
    client.logout()
    sign_in(client, elsewhere)
    assert client.get(url).status_code == 404


# Through the patient's pages: the invitation on the appointments page, its week, confirm.


def test_the_patient_books_an_invitation_through_the_pages(
    client, alice, nora, procedure, location, doctor
):
    ticket = ticket_for(nora, alice, procedure, location, earliest=dt.date(2026, 1, 14), days=1)
    sign_in(client, alice)

    listing = client.get(reverse("appointments:list", args=[alice.patient.pk])).content.decode()
    choose = f"/patients/{alice.patient.pk}/appointments/book/?ticket={ticket.pk}"
    assert "Visits your clinic asked you to book" in listing and choose in listing

    week = client.get(choose).content.decode()
    assert "<h1>Choose a time</h1>" in week
    assert "asked you to book it between Wednesday, January 14 and Thursday, January 15" in week
    assert "Monday, January 12" not in week and "Friday, January 16" not in week
    assert "Wednesday, January 14" in week and "Thursday, January 15" in week

    confirm = reverse("appointments:book_confirm", args=[alice.patient.pk])
    start = at(dt.date(2026, 1, 14), 10).strftime("%Y-%m-%dT%H:%M:%SZ")
    url = f"{confirm}?ticket={ticket.pk}&start={start}"
    submission = str(new_submission())
    first = client.post(url, {"submission_id": submission})
    again = client.post(url, {"submission_id": submission})

    appointment = Appointment.objects.get()
    assert first.status_code == again.status_code == 302
    assert (appointment.visit_type, appointment.starts_at) == (
        procedure,
        at(dt.date(2026, 1, 14), 10),
    )
    ticket.refresh_from_db()
    assert ticket.appointment == appointment
    # Used up: the invitation leaves the page and its link answers 404.
    listing = client.get(reverse("appointments:list", args=[alice.patient.pk])).content.decode()
    assert "Visits your clinic asked you to book" not in listing
    assert client.get(choose).status_code == 404


def test_a_time_outside_the_invitation_is_not_booked(
    client, alice, nora, procedure, location, doctor
):
    ticket = ticket_for(nora, alice, procedure, location, earliest=dt.date(2026, 1, 14), days=1)
    sign_in(client, alice)
    confirm = reverse("appointments:book_confirm", args=[alice.patient.pk])
    start = at(dt.date(2026, 1, 13), 10).strftime("%Y-%m-%dT%H:%M:%SZ")

    answer = client.post(
        f"{confirm}?ticket={ticket.pk}&start={start}", {"submission_id": new_submission()}
    )

    assert answer.status_code == 400
    assert Appointment.objects.count() == 0


def test_someone_elses_invitation_is_not_found(client, alice, charlie, nora, procedure, location):
    ticket = ticket_for(nora, alice, procedure, location)
    sign_in(client, charlie)
    url = f"/patients/{charlie.patient.pk}/appointments/book/?ticket={ticket.pk}"
    assert client.get(url).status_code == 404


def test_the_patient_hears_of_an_invitation_once_without_the_visit_named(
    alice, nora, procedure, location
):
    alice.email = "alice@example.org"
    alice.email_verified_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    alice.save()
    submission = new_submission()
    ticket_for(nora, alice, procedure, location, submission_id=submission)
    ticket_for(nora, alice, procedure, location, submission_id=submission)

    (notice,) = Notification.objects.filter(kind=NotificationKind.BOOKING_INVITATION)
    assert notice.to_address == "alice@example.org"
    assert "asks you to book a visit" in notice.body
    assert "procedure" not in (notice.subject + notice.body).lower()


def test_the_home_page_offers_the_invitation_to_book(client, alice, nora, procedure, location):
    ticket = ticket_for(nora, alice, procedure, location)
    sign_in(client, alice)

    home = client.get("/").content.decode()

    card = home.split('data-testid="visits-to-book"', 1)[1].split("</li>\n  {% endif", 1)[0]
    assert "Minor procedure" in card and "Choose a time" in card
    assert f"/patients/{alice.patient.pk}/appointments/book/?ticket={ticket.pk}" in card


def test_an_invitation_reads_in_words_with_the_clinics_note_escaped(
    client, alice, nora, procedure, location
):
    # The list items are worded in Python (appointments.ticket_presenters).
    location.name = "Main <Street>"
    location.save(update_fields=["name"])
    ticket_for(nora, alice, procedure, location, note="Bring <b>your</b> inhaler & list")
    ticket_for(nora, alice, procedure, earliest=dt.date(2026, 1, 20), days=3)
    sign_in(client, alice)

    listing = client.get(reverse("appointments:list", args=[alice.patient.pk])).content.decode()
    items = listing.split('data-testid="open-tickets"', 1)[1].split("</ul>", 1)[0]

    assert items.count('data-testid="open-ticket"') == 2
    assert (
        "<strong>Minor procedure</strong> at Main &lt;Street&gt;, between Jan 12 and Jan 26, 2026."
    ) in items
    assert "<strong>Minor procedure</strong>, between Jan 20 and Jan 23, 2026." in items
    assert "<br>Bring &lt;b&gt;your&lt;/b&gt; inhaler &amp; list" in items
    assert '<span class="usa-sr-only"> for Minor procedure</span>' in items
