"""Deny by default: every route names its access rule, and every patient route uses the policy.

The walker goes through the whole URL configuration. Django's own admin is exempt: its views are
guarded by the admin site (staff only) and are not ours to decorate. A view that Lantern adds to
the admin is not exempt.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, include, path, re_path
from django.utils import timezone

from lantern.access import policy
from lantern.access.decorators import ACCESS_RULE_ATTRIBUTE, AuditMissing, patient_view, public
from lantern.access.models import Section
from lantern.accounts.services import password_failure_record
from lantern.appointments.models import (
    Appointment,
    AppointmentStatus,
    BookingTicket,
    VisitType,
)
from lantern.audit.models import AuditEvent, AuditOutcome
from lantern.clinical.models import Observation
from lantern.testing.auth import sign_in
from lantern.testing.factories import ObservationFactory
from lantern.testing.factories_enrollment import issue_code
from lantern.testing.records import patient_objects

ADMIN_APP_NAME = "admin"


@dataclass(frozen=True)
class Route:
    pattern: str
    view: str
    module: str
    rule: str | None
    in_admin_site: bool

    def __str__(self) -> str:
        return f"{self.pattern!r} -> {self.view} (rule: {self.rule})"


def walk(
    patterns: Iterable[URLPattern | URLResolver], prefix: str = "", in_admin_site: bool = False
) -> Iterator[Route]:
    """Every route in a URL configuration, with its full pattern and its view's access rule."""
    for entry in patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inside_admin = in_admin_site or entry.app_name == ADMIN_APP_NAME
            yield from walk(entry.url_patterns, pattern, inside_admin)
            continue
        callback = entry.callback
        yield Route(
            pattern=pattern,
            view=f"{callback.__module__}.{getattr(callback, '__qualname__', repr(callback))}",
            module=callback.__module__ or "",
            rule=getattr(callback, ACCESS_RULE_ATTRIBUTE, None),
            in_admin_site=in_admin_site,
        )


def is_djangos_own_admin(route: Route) -> bool:
    # The admin site also mounts a few views from other Django modules (the content-type
    # shortcut, a redirect, the user admin's password form, and third-party apps' admin pages);
    # inside the admin site every view that is not Lantern's own is the admin's, guarded by the
    # admin site (staff only) and by the second-factor middleware.
    if route.module.startswith("django.contrib.admin"):
        return True
    return route.in_admin_site and not route.module.startswith("lantern.")


def routes_without_a_rule(routes: Iterable[Route]) -> list[Route]:
    return [route for route in routes if route.rule is None and not is_djangos_own_admin(route)]


def patient_routes_without_the_patient_rule(routes: Iterable[Route]) -> list[Route]:
    return [route for route in routes if "patient_id" in route.pattern and route.rule != "patient"]


def _listing(routes: list[Route]) -> str:
    return "\n".join(f"  {route}" for route in routes)


# The whole URL configuration.


def test_every_view_names_its_access_rule():
    routes = list(walk(get_resolver().url_patterns))
    offenders = routes_without_a_rule(routes)

    assert not offenders, (
        "These views name no access rule; decorate them with lantern.access.decorators "
        f"(public, patient_view, ...):\n{_listing(offenders)}"
    )


def test_every_route_with_a_patient_id_resolves_it_through_the_policy():
    routes = list(walk(get_resolver().url_patterns))
    offenders = patient_routes_without_the_patient_rule(routes)

    assert not offenders, (
        "These routes take a patient_id but do not resolve it through the access policy; "
        f"decorate them with lantern.access.decorators.patient_view:\n{_listing(offenders)}"
    )


def test_the_walk_reaches_the_probes_and_the_admin_site():
    # Guards against a walker that silently finds nothing and so passes everything.
    routes = list(walk(get_resolver().url_patterns))
    patterns = {route.pattern for route in routes}

    assert {"healthz", "readyz"} <= patterns
    assert any(route.in_admin_site for route in routes)


# The checkers catch offenders in a hand-built configuration.


def _undecorated(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("open to anyone by accident")


@public
def _decorated(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("ok")


@patient_view(section=Section.RECORD)
def _patient_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def _pretend_to_be_from(module: str):
    def view(request: HttpRequest, **kwargs: object) -> HttpResponse:
        return HttpResponse("ok")

    view.__module__ = module
    return view


HAND_BUILT = [
    path("open/", _decorated),
    path("forgot/", _undecorated),
    path(
        "patients/<uuid:patient_id>/",
        include(
            [
                path("record/", _patient_page),
                path("notes/", _decorated),
                re_path(r"^legacy/$", _undecorated),
            ]
        ),
    ),
    re_path(r"^old/(?P<patient_id>[0-9a-f-]+)/$", _decorated),
    path(
        "admin/",
        include(
            (
                [
                    path("", _pretend_to_be_from("django.contrib.admin.sites")),
                    path("r/", _pretend_to_be_from("django.contrib.contenttypes.views")),
                    path("report/", _undecorated),
                ],
                ADMIN_APP_NAME,
            )
        ),
    ),
    path("elsewhere/", _pretend_to_be_from("django.contrib.contenttypes.views")),
]


def test_the_walker_catches_views_without_a_rule_at_any_depth():
    offenders = {route.pattern for route in routes_without_a_rule(walk(HAND_BUILT))}

    assert offenders == {
        "forgot/",
        "patients/<uuid:patient_id>/^legacy/$",
        # A Lantern view inside the admin site is not exempt.
        "admin/report/",
        # A Django view outside the admin site is not exempt either.
        "elsewhere/",
    }


def test_the_walker_catches_patient_routes_without_the_patient_rule():
    offenders = {
        route.pattern for route in patient_routes_without_the_patient_rule(walk(HAND_BUILT))
    }

    assert offenders == {
        "patients/<uuid:patient_id>/notes/",
        "patients/<uuid:patient_id>/^legacy/$",
        "^old/(?P<patient_id>[0-9a-f-]+)/$",
    }


def test_the_offender_listing_names_each_view():
    offenders = routes_without_a_rule(walk([path("forgot/", _undecorated)]))

    assert f"{__name__}._undecorated" in _listing(offenders)


# Every patient route is audited once, after the fact.
#
# Each patient route is requested as the patient (console routes as staff of her clinic), with
# her own objects: it must write exactly one event, naming what it touched. Each route that names
# an object is then asked for Charlie's object under Alice's own patient id: a 404, one denied
# event and no allowed one. A new route is covered as soon as it is in the URL configuration.

CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
STAFF_PREFIX = "staff/"


def _issue_a_code(alice, nora) -> None:
    issue_code(alice.patient, actor=nora)


def _pause_alices_sign_in(alice, nora) -> None:
    # audit_walk sets ACCOUNT_PAUSE_AFTER_FAILURES low.
    for _ in range(2):
        password_failure_record(username=alice.username)


# The booking invitation the console's "Withdraw" form names.
TICKET_ID = uuid.UUID("00000000-0000-4000-8000-00000000000b")


def _invite_alice_to_book(alice, nora) -> None:
    visit_type = VisitType.objects.create(
        organization=alice.patient.managing_organization, name="Review", length_minutes=20
    )
    today = timezone.localdate()
    BookingTicket.objects.create(
        pk=TICKET_ID,
        patient=alice.patient,
        visit_type=visit_type,
        earliest_on=today,
        latest_on=today,
    )


def _book_alices_appointment_again(alice, nora) -> None:
    # The walk may have cancelled her sample appointment already; only a booked visit can be
    # marked or wait for an earlier time.
    Appointment.objects.filter(patient=alice.patient).update(status=AppointmentStatus.BOOKED)


# What a route that answers only POST needs to do its job once: a form, and what must exist first.
POST_ONLY: dict[str, tuple[Callable[[], dict[str, Any]], Callable[[Any, Any], None] | None]] = {
    "lantern.messaging.views.message_reply": (
        lambda: {"body": "Thank you.", "submission_id": str(uuid.uuid4())},
        None,
    ),
    "lantern.messaging.views.conversation_close": (dict, None),
    "lantern.staff.views.activation_code_issue": (
        lambda: {"issue_key": uuid.uuid4().hex},
        None,
    ),
    "lantern.staff.views.activation_code_revoke": (dict, _issue_a_code),
    "lantern.staff.views.account_unpause": (dict, _pause_alices_sign_in),
    "lantern.appointments.waitlist_views.waitlist_change": (
        lambda: {"action": "join"},
        _book_alices_appointment_again,
    ),
    "lantern.appointments.ticket_views.ticket_withdraw": (
        lambda: {"ticket": str(TICKET_ID)},
        _invite_alice_to_book,
    ),
    "lantern.appointments.staff_patient_views.appointment_cancel": (dict, None),
    "lantern.appointments.staff_patient_views.appointment_mark": (
        lambda: {"status": "arrived"},
        _book_alices_appointment_again,
    ),
}


def patient_routes() -> list[Route]:
    return [route for route in walk(get_resolver().url_patterns) if route.rule == "patient"]


def route_url(route: Route, patient_id: uuid.UUID, values: dict[str, Any]) -> str:
    """The route's address with the patient and the objects filled in."""

    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        if name == "patient_id":
            return str(patient_id)
        if name not in values:
            raise AssertionError(
                f"{route} takes {name!r}: add a sample object for it to "
                "lantern/testing/records.py so the audit walk can request it."
            )
        return str(values[name])

    return "/" + CONVERTER.sub(fill, route.pattern)


def names_an_object(route: Route) -> bool:
    return any(
        match["converter"] == "uuid" and match["name"] != "patient_id"
        for match in CONVERTER.finditer(route.pattern)
    )


def _request(client: Client, route: Route, url: str):
    if route.view in POST_ONLY:
        form, _ = POST_ONLY[route.view]
        return client.post(url, form())
    return client.get(url)


def _events_after(mark: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=mark).order_by("pk"))


def _last_event_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def audit_walk(alice, charlie, nora, settings, tmp_path):
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    settings.ACCOUNT_PAUSE_AFTER_FAILURES = 2
    return {
        "alice": sign_in(Client(), alice),
        "nora": sign_in(Client(), nora),
        "alices": patient_objects(alice),
        "charlies": patient_objects(charlie),
    }


@pytest.mark.django_db
def test_every_patient_route_writes_exactly_one_event_naming_what_it_touched(
    alice, nora, audit_walk
):
    routes = patient_routes()
    offenders = []
    for route in routes:
        client = audit_walk["nora" if route.pattern.startswith(STAFF_PREFIX) else "alice"]
        url = route_url(route, alice.patient_id, audit_walk["alices"].url_kwargs())
        if route.view in POST_ONLY and POST_ONLY[route.view][1] is not None:
            POST_ONLY[route.view][1](alice, nora)
        mark = _last_event_id()
        response = _request(client, route, url)
        events = _events_after(mark)
        if response.status_code == 405:
            offenders.append(f"{route}: answers only POST; add its form to POST_ONLY")
        elif response.status_code >= 400:
            offenders.append(f"{route}: answered {response.status_code}")
        elif len(events) != 1:
            offenders.append(f"{route}: wrote {len(events)} events")
        elif not events[0].object_type or events[0].outcome != AuditOutcome.ALLOWED:
            offenders.append(f"{route}: wrote {events[0]} without an object type or as denied")
        elif names_an_object(route) and not events[0].object_id:
            offenders.append(f"{route}: names an object but its event has no object id")

    assert len(routes) > 20
    assert not offenders, "Patient routes that do not audit once:\n" + "\n".join(offenders)


@pytest.mark.django_db
def test_every_object_route_audits_another_patients_object_only_as_denied(alice, audit_walk):
    routes = [route for route in patient_routes() if names_an_object(route)]
    offenders = []
    for route in routes:
        url = route_url(route, alice.patient_id, audit_walk["charlies"].url_kwargs())
        mark = _last_event_id()
        response = _request(audit_walk["alice"], route, url)
        outcomes = [event.outcome for event in _events_after(mark)]
        if response.status_code != 404:
            offenders.append(f"{route}: answered {response.status_code}, not 404")
        elif outcomes != [AuditOutcome.DENIED]:
            offenders.append(f"{route}: wrote {outcomes} instead of one denied event")

    assert len(routes) >= 10
    assert not offenders, "Object routes that mis-audit Charlie's objects:\n" + "\n".join(offenders)


# The decorator refuses to show an object it was not told about, and keeps denials.


@patient_view(section=Section.RECORD, object_type="Thing")
def _forgets_to_record(request: HttpRequest, thing_id: uuid.UUID) -> HttpResponse:
    return HttpResponse("an object, unaudited")


@patient_view(section=Section.RECORD, object_type="Thing")
def _a_list_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("a list")


@patient_view(section=Section.RECORD, object_type="Thing")
def _not_found_inside_a_transaction(request: HttpRequest, thing_id: uuid.UUID) -> HttpResponse:
    with transaction.atomic():
        policy.object_not_found(request.patient_access, model=Observation, object_id=thing_id)


def _signed_in_request(user) -> HttpRequest:
    request = RequestFactory().get("/")
    user.is_verified = lambda: True
    request.user = user
    return request


@pytest.mark.django_db
def test_an_object_page_that_does_not_record_its_object_is_refused(alice):
    with pytest.raises(AuditMissing):
        _forgets_to_record(
            _signed_in_request(alice), patient_id=alice.patient_id, thing_id=uuid.uuid4()
        )

    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_a_page_without_an_object_is_recorded_once_after_it_is_shown(alice):
    _a_list_page(_signed_in_request(alice), patient_id=alice.patient_id)

    [event] = AuditEvent.objects.all()
    assert (event.outcome, event.object_type, event.object_id) == (
        AuditOutcome.ALLOWED,
        "Thing",
        "",
    )


@pytest.mark.django_db
def test_a_denial_raised_inside_a_transaction_that_rolls_back_is_still_recorded(alice, charlie):
    charlies = ObservationFactory(patient=charlie.patient)

    with pytest.raises(Http404):
        _not_found_inside_a_transaction(
            _signed_in_request(alice), patient_id=alice.patient_id, thing_id=charlies.pk
        )

    [event] = AuditEvent.objects.all()
    assert (event.outcome, event.object_type, event.object_id, event.patient) == (
        AuditOutcome.DENIED,
        "Observation",
        str(charlies.pk),
        charlie.patient,
    )
