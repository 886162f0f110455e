from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lantern.enrollment.models import TermsAcceptance, TermsVersion
from lantern.enrollment.selectors import terms_acceptance_due, terms_current, terms_current_id
from lantern.testing.auth import sign_in, sign_in_password_only
from lantern.testing.factories import PatientFactory
from lantern.testing.factories_enrollment import TermsVersionFactory

pytestmark = pytest.mark.django_db

TERMS = reverse("enrollment:terms")
STAFF_HOME = reverse("staff:home")
HOME = reverse("home:home")


def test_the_first_terms_of_use_are_published_by_a_migration():
    current = terms_current()
    assert current.version == "2026-11"
    assert "never ask for your password" in current.body


def test_a_newer_version_becomes_the_current_one_only_once_published():
    TermsVersionFactory(version="2030-01", published_at=timezone.now() + dt.timedelta(days=3))
    assert terms_current().version == "2026-11"
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        assert terms_current().version == "2030-01"


def test_a_new_version_holds_every_page_until_it_is_accepted(alice):
    client = sign_in(Client(), alice)
    assert client.get(HOME).status_code == 200
    TermsVersionFactory(version="2027-01", body="Plain new terms.")
    response = client.get(HOME + "?page=2")
    assert response.status_code == 302
    assert response["Location"] == f"{TERMS}?next=%2F%3Fpage%3D2"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Plain new terms." in page.content.decode()
    accepted = client.post(TERMS, {"version": "2027-01", "next": "/?page=2"})
    assert accepted.status_code == 302
    assert accepted["Location"] == "/?page=2"
    acceptance = TermsAcceptance.objects.get(user=alice, version__version="2027-01")
    assert acceptance.accepted_at is not None
    assert client.get(HOME).status_code == 200


def test_a_session_that_settled_the_terms_asks_only_which_version_is_current(alice):
    client = sign_in(Client(), alice)
    client.get(HOME)

    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOME).status_code == 200

    acceptance_reads = [q for q in captured.captured_queries if "termsacceptance" in q["sql"]]
    assert acceptance_reads == []


# Staff: the terms are the patients'; staff without a record of their own are not asked.


def test_clinic_staff_are_not_held_by_a_new_version_of_the_patients_terms(nora):
    client = sign_in(Client(), nora)
    TermsVersionFactory(version="2027-01", body="Plain new terms.")

    assert not terms_acceptance_due(user=nora)
    assert client.get(STAFF_HOME).status_code == 200
    assert client.get(reverse("accounts:settings")).status_code == 200


def test_staff_who_are_also_patients_accept_the_terms_like_any_patient(nora, clinic):
    nora.patient = PatientFactory(managing_organization=clinic)
    nora.save(update_fields=["patient"])
    client = sign_in(Client(), nora)
    TermsVersionFactory(version="2027-01")

    assert terms_acceptance_due(user=nora)
    assert client.get(STAFF_HOME).status_code == 302


def test_former_staff_without_a_record_are_asked_like_any_account(nora):
    nora.staff_memberships.update(is_active=False)
    TermsVersionFactory(version="2027-01")

    assert terms_acceptance_due(user=nora)


def test_the_terms_page_speaks_to_staff_as_staff_with_nothing_to_accept(nora):
    client = sign_in(Client(), nora)
    TermsVersionFactory(version="2027-01", body="Plain new terms.")

    page = client.get(TERMS).content.decode()
    posted = client.post(TERMS, {"version": "2027-01", "next": "/staff/"})

    assert "Clinic staff do not accept them" in page
    assert "Plain new terms." in page
    assert f'href="{STAFF_HOME}"' in page
    assert "Accept and continue" not in page
    assert "I do not accept" not in page
    assert "We have updated our terms" not in page
    assert posted.status_code == 200
    assert not TermsAcceptance.objects.filter(user=nora, version__version="2027-01").exists()


def test_the_patients_terms_page_still_asks_them_to_accept(alice):
    client = sign_in(Client(), alice)
    TermsVersionFactory(version="2027-01", body="Plain new terms.")

    page = client.get(TERMS).content.decode()

    assert "We have updated our terms" in page
    assert "Accept and continue" in page
    assert "Clinic staff do not accept them" not in page


def test_patients_must_accept_the_new_version_too(alice):
    client = sign_in(Client(), alice)
    TermsVersionFactory(version="2027-02")
    assert terms_acceptance_due(user=alice)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(TERMS)


def test_accepting_a_version_that_is_no_longer_current_shows_the_newer_one(alice):
    client = sign_in(Client(), alice)
    TermsVersionFactory(version="2027-03", body="Newest terms.")
    response = client.post(TERMS, {"version": "2026-11", "next": "/"})
    assert response.status_code == 200
    assert "Newest terms." in response.content.decode()
    assert not TermsAcceptance.objects.filter(user=alice, version__version="2027-03").exists()


def test_the_terms_page_does_not_send_people_to_other_sites(alice):
    client = sign_in(Client(), alice)
    TermsVersionFactory(version="2027-04")
    response = client.post(TERMS, {"version": "2027-04", "next": "https://evil.example/"})
    assert response["Location"] == HOME


def test_sign_in_pages_and_the_second_factor_stay_reachable(alice):
    TermsVersionFactory(version="2027-05")
    client = sign_in_password_only(Client(), alice)
    # Half signed in: the middleware leaves the account to the second-factor pages.
    response = client.get(reverse("mfa:verify"))
    assert not response.get("Location", "").startswith(TERMS)


def test_the_terms_page_needs_a_full_sign_in():
    response = Client().get(TERMS)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:sign_in"))


def test_accepting_twice_keeps_one_record(alice):
    client = sign_in(Client(), alice)
    version = TermsVersionFactory(version="2027-06")
    client.post(TERMS, {"version": "2027-06", "next": "/"})
    client.post(TERMS, {"version": "2027-06", "next": "/"})
    assert TermsAcceptance.objects.filter(user=alice, version=version).count() == 1


def test_no_published_terms_means_nothing_to_accept(alice):
    TermsVersion.objects.update(published_at=timezone.now() + dt.timedelta(days=1))
    assert not terms_acceptance_due(user=alice)


def test_the_terms_form_refuses_a_post_without_the_csrf_token(alice):
    client = sign_in(Client(enforce_csrf_checks=True), alice)
    TermsVersionFactory(version="2027-07")
    assert client.post(TERMS, {"version": "2027-07", "next": "/"}).status_code == 403
    assert not TermsAcceptance.objects.filter(version__version="2027-07").exists()


def test_the_current_versions_id_is_the_current_version_whatever_is_published():
    assert terms_current_id() == terms_current().pk
    later = timezone.now() + dt.timedelta(days=3)
    scheduled = TermsVersionFactory(version="2030-01", published_at=later)
    assert terms_current_id() == terms_current().pk != scheduled.pk
    twin = TermsVersionFactory(version="2030-01b", published_at=later)
    with time_machine.travel(later + dt.timedelta(seconds=1)):
        # Two published at the same moment: the one added last is current.
        assert terms_current_id() == terms_current().pk == twin.pk
    TermsVersion.objects.all().delete()
    assert terms_current_id() is None and terms_current() is None
