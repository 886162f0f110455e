"""Appointments in Spanish: booking (a week of open times, confirm), the list, one visit, its
calendar file and cancelling it, with days and times written the Spanish way ("lun 12 ene",
"14:00") in clinic time (issue 17, point 2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from lantern.appointments.models import Appointment
from lantern.appointments.reminders import appointment_notice_context
from lantern.testing.auth import sign_in

from .booking_fixtures import book_url, booked_visit, confirm, confirm_url
from .conftest import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("monday_morning")]

TUESDAY = dt.date(2026, 1, 13)
WEDNESDAY = dt.date(2026, 1, 14)


@pytest.fixture
def spanish_alice(alice) -> Client:
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])
    return sign_in(Client(), alice)


def main_text(response) -> str:
    # The page's own words; the frame around it (navigation, footer) is not this app's.
    return response.content.decode().split("<main", 1)[1]


def test_booking_speaks_spanish_with_spanish_days_and_24_hour_times(
    spanish_alice, alice, checkup, doctor, location
):
    week = main_text(spanish_alice.get(book_url(alice.patient, visit=checkup.pk)))
    assert "<h1>Elija una hora</h1>" in week
    assert "lunes 12 de enero" in week and "viernes 16 de enero" in week
    monday = week.split("lunes 12 de enero", 1)[1].split("</section>", 1)[0]
    assert "09:00 EST" in monday and "16:30 EST" in monday
    assert ", hora de la clínica, lunes 12 de enero" in monday
    assert "Semana siguiente" in week
    assert "Monday" not in week and "AM" not in week and "Choose a time" not in week

    url = confirm_url(alice.patient, checkup, at(TUESDAY, 14), clinician=doctor)
    check = main_text(spanish_alice.get(url))
    assert "Revisar y reservar" in check and "Reservar esta cita" in check
    assert "mar 13 ene 2026, 14:00 EST, hora de la clínica" in check
    assert "30 minutos" in check and "Teléfono de la clínica:" in check
    assert "Tue, Jan 13" not in check and "2:00 PM" not in check

    booked = spanish_alice.get(confirm(spanish_alice, url)["Location"])
    page = main_text(booked)
    assert "La cita está reservada." in page and "Reservada" in page
    assert "Agregar al calendario" in page and "Cambiar la hora" in page
    assert "Add to calendar" not in page and "Booked" not in page


def test_a_time_taken_meanwhile_offers_the_next_ones_in_spanish(
    spanish_alice, alice, charlie, checkup, doctor, location
):
    booked_visit(charlie.patient, doctor, location, checkup, at(TUESDAY, 10))
    url = confirm_url(alice.patient, checkup, at(TUESDAY, 10), clinician=doctor)

    page = main_text(confirm(spanish_alice, url))

    assert "Alguien acaba de tomar esa hora" in page
    assert "mar 13 ene, 10:30 EST" in page
    assert "Tue, Jan 13" not in page


def test_the_list_a_visit_its_calendar_file_and_cancelling_speak_spanish(
    spanish_alice, alice, checkup, doctor, location
):
    visit = booked_visit(alice.patient, doctor, location, checkup, at(WEDNESDAY, 15))

    listed = main_text(spanish_alice.get(reverse("appointments:list", args=[alice.patient.pk])))
    assert "Sus citas" in listed and "Próximas" in listed and "Hacer una cita" in listed
    assert "mié 14 ene 2026, 15:00 EST, hora de la clínica" in listed
    assert "Your appointments" not in listed and "Coming up" not in listed

    calendar = spanish_alice.get(
        reverse("appointments:calendar", args=[alice.patient.pk, visit.pk])
    )
    assert b"SUMMARY:Cita: Check-up en" in calendar.content

    cancel_url = reverse("appointments:cancel", args=[alice.patient.pk, visit.pk])
    asked = main_text(spanish_alice.get(cancel_url))
    assert "¿Cancelar esta cita?" in asked and "Mantener la cita" in asked
    assert "¿Por qué cancela? (opcional)" in asked
    done = spanish_alice.post(cancel_url, {"reason": ""}, follow=True)
    assert "La cita está cancelada." in main_text(done)
    assert Appointment.objects.get(pk=visit.pk).status == "cancelled"


def test_a_notices_time_is_drawn_in_the_language_the_message_is_written_in(
    alice, checkup, doctor, location
):
    visit = booked_visit(alice.patient, doctor, location, checkup, at(WEDNESDAY, 15))
    context = appointment_notice_context(visit)

    with translation.override("es"):
        assert str(context["time"]) == "mié 14 ene 2026, 15:00 EST, hora de la clínica"
    with translation.override("en"):
        assert str(context["time"]) == "Wed, Jan 14, 2026, 3:00 PM EST, clinic time"
