"""The whole site as each kind of person sees it, for the tests that open every page (issue 17,
point 4): who the six personas are, the clinic they share, the pages each one reaches by following
links, and which routes hold a patient's data and so must be reached by someone.

The personas: someone not signed in (`anonymous`), `patient` (alice, with something in every
part of her record), `proxy` (her son, acting for her with every permission), `nurse` (nora),
`clinician` (a doctor with a schedule) and `admin` (the clinic's administrator).

`persona_pages` crawls (lantern/testing/crawl.py) from where the persona starts, visiting each
route at most `PER_ROUTE` times, so a list of a hundred results costs two result pages, not a
hundred. `patient_data_routes` walks the URL configuration; `NOT_PAGES` names, with the reason,
each such route that is not a page anyone can reach by following links.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from lantern.access.models import ProxyInvitation, ProxyKind, ProxyPermission, ProxyStatus
from lantern.accounts.reauth import SESSION_KEY as PASSWORD_CONFIRMED_KEY
from lantern.appointments.models import WaitlistOffer
from lantern.clinical.models import Encounter
from lantern.enrollment.views import VERIFIED_CODE_KEY
from lantern.family.services import invitation_token_hash
from lantern.support.models import SupportRequest

from .auth import sign_in
from .crawl import (
    Crawl,
    clinic_administrator_of,
    crawl,
    give_a_full_record,
    lantern_pages,
    route_of,
)
from .factories import PatientFactory, ProxyRelationshipFactory, StaffMembershipFactory, UserFactory
from .factories_enrollment import EnrollmentRequestFactory, issue_code
from .factories_mfa import TOTPDeviceFactory

PERSONAS = ("anonymous", "patient", "proxy", "nurse", "clinician", "admin")
# How many addresses of one route each persona visits: the first ones its crawl meets.
PER_ROUTE = 2

# The apps a patient (or someone acting for one) uses. Their routes, and every route naming a
# patient (the staff console's views of one patient too), hold a patient's data.
PATIENT_FACING_NAMESPACES = frozenset(
    {
        "home",
        "results",
        "messaging",
        "record",
        "appointments",
        "refills",
        "audit",
        "family",
        "downloads",
        "accounts",
        "enrollment",
        "mfa",
        "smart",
        "pages",
        "support",
        "webapp",
    }
)

# Patient-data routes that are not a page someone reaches by following a link, and why. A
# route listed here is left out of the sweep; the coverage test fails when one of them becomes
# reachable (then it is a page and must be swept) or no longer exists.
NOT_PAGES: dict[str, str] = {
    # Form actions: POST only, they redirect to a page the sweep visits.
    "messaging:reply": "POST only",
    "messaging:close": "POST only",
    "accounts:sign_out": "POST only (never followed by the crawl)",
    "accounts:resend_verification": "POST only",
    "accounts:sign_out_everywhere": "POST only",
    "accounts:keep_alive": "POST only, answers the time-out script",
    "mfa:setup_send": "POST only",
    "accounts:body_units": "POST only: the settings page's units form",
    "accounts:language": "POST only: the settings page's language form",
    "mfa:verify_send": "POST only",
    "mfa:backup_codes": "shown once, right after a passkey is set up (WebAuthn, not scripted)",
    "mfa:method_remove": "POST only",
    "mfa:trusted_device_revoke": "POST only",
    "smart:connected_app_disconnect": "POST only",
    "smart:staff_app_switch": "POST only",
    "family:invitation_cancel": "POST only",
    "family:end": "POST only",
    "family:invitation_respond": "POST only",
    "appointments:change_confirm": "POST only: the change page's choices are sent to it",
    "appointments:waitlist": 'POST only: the appointment\'s "earlier time" button',
    "appointments:staff_ticket_withdraw": "POST only",
    "staff:schedule:book_confirm": "POST only: the booking page's choices are sent to it",
    "staff:schedule:cancel": "POST only",
    "staff:schedule:mark": "POST only",
    "staff:activation_code_issue": "POST only",
    "staff:activation_code_revoke": "POST only",
    "staff:account_unpause": "POST only",
    "refills:approve": "POST only",
    "refills:deny": "POST only",
    "refills:assign": "POST only",
    "refills:progress": "POST only",
    # Files and documents for programs, not pages.
    "downloads:record_json": "a JSON download",
    "downloads:record_pdf": "a PDF download",
    "downloads:result_json": "a JSON download",
    "downloads:result_pdf": "a PDF download",
    "downloads:observation_json": "a JSON download",
    "downloads:observation_pdf": "a PDF download",
    "messaging:attachment": "the attached file itself",
    "record:document_file": "the document's file itself",
    "appointments:calendar": "an .ics calendar file",
    "webapp:manifest": "the web app's manifest (JSON)",
    "webapp:service_worker": "the service worker (JavaScript)",
    "smart:smart_configuration": "SMART discovery (JSON)",
    "smart:fhir_smart_configuration": "SMART discovery (JSON)",
    "mfa:passkey_setup_registration_begin": "passkey ceremony (JSON, POST)",
    "mfa:passkey_setup_registration_complete": "passkey ceremony (JSON, POST)",
    "mfa:passkey_registration_begin": "passkey ceremony (JSON, POST)",
    "mfa:passkey_registration_complete": "passkey ceremony (JSON, POST)",
    "mfa:passkey_authentication_begin": "passkey ceremony (JSON, POST)",
    "mfa:passkey_authentication_complete": "passkey ceremony (JSON, POST)",
    "mfa:passkey_js_catalog": "the passkey script's translations (JavaScript)",
    # Redirects: each sends the person on to a page the sweep visits, so has no page of its own.
    "results:mine": "the navigation's link: redirects to the patient's results",
    "messaging:mine": "the navigation's link: redirects to the patient's messages",
    "appointments:mine": "the navigation's link: redirects to the patient's appointments",
    "record:mine": "the navigation's link: redirects to the patient's record",
    "record:my_medications": "the navigation's link: redirects to the patient's medicines",
    "family:invitation_link": "the emailed link: keeps the token, redirects to the invitation",
    "accounts:verify_email": "the emailed link: verifies, then redirects to the account",
}


@dataclass
class Site:
    """Everyone who uses the clinic's site, where each one starts, and the state their session
    holds (see `client`)."""

    users: dict[str, object]
    starts: dict[str, list[str]]
    # The activation code someone not signed in has just given (enrollment's second step).
    enrollment_code_id: str = ""

    def client(self, persona: str) -> Client:
        """A client as the persona: signed in with both factors, or not signed in. The patient
        gave her password again a moment ago (so the pages that change a password, an email or
        a phone open); someone not signed in is half-way through enrolling with a code."""
        user = self.users[persona]
        if user is None:
            client = Client()
            session = client.session
            session[VERIFIED_CODE_KEY] = {
                "code_id": self.enrollment_code_id,
                "at": timezone.now().timestamp(),
            }
            session.save()
            return client
        client = sign_in(Client(), user)
        if persona == "patient":
            session = client.session
            session[PASSWORD_CONFIRMED_KEY] = timezone.now().timestamp()
            session.save()
        return client

    def crawl(self, persona: str, client: Client | None = None) -> Crawl:
        return crawl(client or self.client(persona), self.starts[persona], per_route=PER_ROUTE)


def clinic_site(clinic, alice, nora) -> Site:
    """The clinic with something on every page: alice's full record (a report, a visit with a
    procedure, a document, a conversation, a booked appointment offered an earlier time, a
    refill), her son acting for her, a clinician with weekly hours, the administrator, an
    enrollment request and a support request waiting, a caregiver invited by alice and not yet
    answered, and a new patient's activation code."""
    from lantern.appointments.tests.conftest import (
        checkup_make,
        location_make,
        weekdays_nine_to_five,
    )
    from lantern.record.tests.factories import ProcedureFactory
    from lantern.testing.factories_messaging import MessagePoolFactory

    give_a_full_record(alice)
    # An authenticator app, so her second step of signing in asks for its code.
    TOTPDeviceFactory(user=alice)
    patient = alice.patient
    ProcedureFactory(patient=patient, encounter=Encounter.objects.get(patient=patient))
    location = location_make(clinic)
    checkup_make(clinic)
    MessagePoolFactory(organization=clinic, name="Nursing")
    clinician = StaffMembershipFactory(
        user=UserFactory(username="dr-dee", is_staff=True, first_name="Dee", last_name="Diaz"),
        organization=clinic,
    ).user
    weekdays_nine_to_five(clinician, location)
    proxy = ProxyRelationshipFactory(
        proxy=UserFactory(username="sam", first_name="Sam", last_name="Adams"),
        patient=patient,
        kind=ProxyKind.CAREGIVER,
        permissions=int(ProxyPermission.FULL),
        reason="Alice's son, helps with her appointments and medicines",
    ).proxy
    EnrollmentRequestFactory(organization=clinic)
    SupportRequest.objects.create(
        organization=clinic,
        name="Jill Tillman",
        phone="555-123-4567",
        topic="other",
        message="Help",
        submission_key="k" * 32,
    )
    invitation_token = "sweep-invitation-token"
    ProxyInvitation.objects.create(
        relationship=ProxyRelationshipFactory(
            proxy=None,
            patient=patient,
            status=ProxyStatus.PENDING,
            permissions=int(ProxyPermission.RECORD),
            starts_on=timezone.localdate(),
            granted_by=alice,
            reason="My sister, helps me with my results",
        ),
        email="carol@example.org",
        token_hash=invitation_token_hash(invitation_token),
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    new_patient = PatientFactory(managing_organization=clinic, family_name="Diaz")
    # Links from emails and text messages: a password reset, an invitation, an earlier time.
    reset = (
        f"/account/reset/{urlsafe_base64_encode(force_bytes(alice.pk))}/"
        f"{default_token_generator.make_token(alice)}/"
    )
    offer = WaitlistOffer.objects.get(entry__appointment__patient=patient)
    offer_page = f"/patients/{patient.pk}/appointments/offers/{offer.pk}/"
    anonymous_starts = ["/signin/", "/", "/help/", "/offline/", reset]
    # Pages at the end of a form: signed out, asked for an account, wrote to support.
    anonymous_starts += ["/signed-out/", "/signup/sent/", "/help/contact/sent/"]
    anonymous_starts += [f"/family/invitations/{invitation_token}/", "/enroll/account/"]
    return Site(
        users={
            "anonymous": None,
            "patient": alice,
            "proxy": proxy,
            "nurse": nora,
            "clinician": clinician,
            "admin": clinic_administrator_of(clinic),
        },
        starts={
            "anonymous": anonymous_starts,
            "patient": ["/", offer_page, "/terms/"],
            "proxy": ["/", offer_page],
            "nurse": ["/staff/", "/terms/"],
            "clinician": ["/staff/"],
            "admin": ["/staff/"],
        },
        enrollment_code_id=str(issue_code(new_patient).activation_code.pk),
    )


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str


def _walk(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[Route]:
    for entry in patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, pattern, inner)
        else:
            yield Route(f"{namespace}{entry.name}", pattern)


def all_routes() -> list[Route]:
    """Every route of the URL configuration, named as `reverse` names it."""
    return list(_walk(get_resolver().url_patterns))


def patient_data_routes() -> dict[str, str]:
    """Each route of a patient-facing app or naming a patient, by name, with its pattern."""
    return {
        route.name: route.pattern
        for route in all_routes()
        if route.name.split(":")[0] in PATIENT_FACING_NAMESPACES
        or "<uuid:patient_id>" in route.pattern
    }


def unswept_routes(reached: set[str]) -> list[str]:
    """The patient-data routes neither `reached` by a persona nor explained in NOT_PAGES."""
    return sorted(set(patient_data_routes()) - reached - set(NOT_PAGES))


def pages_by_route(result: Crawl) -> dict[str, list[str]]:
    """The crawl's HTML pages (Django's admin left out), grouped by route name, in order."""
    routes: dict[str, list[str]] = {}
    for address in lantern_pages(result):
        routes.setdefault(route_of(address), []).append(address)
    return routes


def listing(persona: str, result: Crawl) -> str:
    """The pages a persona visited, one line each: the route's name and the address."""
    lines = [f"{route_of(address)}\t{address}" for address in lantern_pages(result)]
    return f"# {persona}: {len(lines)} pages\n" + "\n".join(lines) + "\n"
