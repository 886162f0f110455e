"""What the patient has chosen so far in the booking pages' query string, each choice
checked against what their clinic offers; a step with a single choice is made for them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from lantern.access.policy import PatientAccess
from lantern.core.statements import Statement, param_for

from ..models import BookingTicket, Location, VisitType, WeeklyHours
from ..tickets import ticket_for_booking

User = get_user_model()

ANY_CLINICIAN = "any"
# Lists a clinic sets up (visit types, clinicians, places) are short; a bound keeps pages cheap.
CHOICES_LISTED = 50


@dataclass(frozen=True)
class Booking:
    """The choices so far, each one offered to this patient, and what each step offers."""

    visit_types: list[VisitType]
    visit_type: VisitType | None = None
    clinicians: tuple = ()
    clinician: User | None = None
    any_clinician: bool = False
    locations: tuple[Location, ...] = ()
    location: Location | None = None
    # The clinic's invitation being booked, which fixes the visit (and maybe place, clinician).
    ticket: BookingTicket | None = None

    @property
    def bookable(self) -> list[VisitType]:
        return [visit_type for visit_type in self.visit_types if visit_type.patients_may_book]

    @property
    def request_only(self) -> list[VisitType]:
        if self.ticket is not None:
            return []
        return [visit_type for visit_type in self.visit_types if not visit_type.patients_may_book]

    @property
    def step(self) -> str:
        """The next choice to make: "visit", "clinician", "place", then "time"."""
        if self.visit_type is None:
            return "visit"
        if self.clinician is None and not self.any_clinician:
            return "clinician"
        if self.location is None:
            return "place"
        return "time"

    @property
    def clinician_id(self) -> int | None:
        return None if self.clinician is None else self.clinician.pk

    def params(self, **extra: object) -> dict[str, str]:
        """The query string of the choices made, plus `extra` (ids only, never names)."""
        chosen: dict[str, object] = {}
        if self.ticket is not None:
            chosen["ticket"] = self.ticket.pk
        if self.visit_type is not None:
            chosen["visit"] = self.visit_type.pk
        if self.any_clinician:
            chosen["clinician"] = ANY_CLINICIAN
        elif self.clinician is not None:
            chosen["clinician"] = self.clinician.pk
        if self.location is not None:
            chosen["place"] = self.location.pk
        chosen.update(extra)
        return {key: str(value) for key, value in chosen.items() if value is not None}


def booking_choices(*, access: PatientAccess, params: Mapping[str, str]) -> Booking:
    """The choices in `params` that the patient's clinic offers; a step with only one choice
    is made for them. At most three queries, however many clinicians or places."""
    organization_id = access.patient.managing_organization_id
    if organization_id is None:
        return Booking(visit_types=[])
    if params.get("ticket"):
        # The clinic's invitation: its visit, even one patients may not book alone (404 if it
        # is not this patient's, or is used, withdrawn or past its last day).
        return _ticket_choices(access, params, organization_id)
    visit_types = _VISIT_TYPES.objects(organization=organization_id)
    booking = Booking(visit_types=visit_types)
    visit_type = _chosen(booking.bookable, params.get("visit"))
    if visit_type is None:
        return booking
    return _people_and_places(visit_types, visit_type, params, organization_id, None)


def _ticket_choices(
    access: PatientAccess, params: Mapping[str, str], organization_id: int
) -> Booking:
    ticket = ticket_for_booking(access, params["ticket"])
    visit_type = ticket.visit_type
    return _people_and_places([visit_type], visit_type, params, organization_id, ticket)


def _people_and_places(
    visit_types: list[VisitType],
    visit_type: VisitType,
    params: Mapping[str, str],
    organization_id: int,
    ticket: BookingTicket | None,
) -> Booking:
    """The clinician and place steps once the visit is chosen (a ticket may fix either)."""
    if ticket is not None and ticket.clinician is not None:
        clinicians: tuple = (ticket.clinician,)
    else:
        clinicians = tuple(_CLINICIANS_OFFERING.objects(organization=organization_id))
    wanted = params.get("clinician", "")
    any_clinician = len(clinicians) > 1 and wanted == ANY_CLINICIAN
    clinician = clinicians[0] if len(clinicians) == 1 else _chosen(clinicians, wanted)
    if clinician is None and not any_clinician:
        return Booking(visit_types, visit_type, clinicians, ticket=ticket)
    if ticket is not None and ticket.location is not None:
        locations: tuple[Location, ...] = (ticket.location,)
    else:
        locations = tuple(
            _LOCATIONS_OFFERING.objects(
                (clinician is not None,),
                organization=organization_id,
                clinician=None if clinician is None else clinician.pk,
            )
        )
    location = locations[0] if len(locations) == 1 else _chosen(locations, params.get("place"))
    return Booking(
        visit_types, visit_type, clinicians, clinician, any_clinician, locations, location, ticket
    )


def _chosen(options, value: str | None):
    for option in options:
        if str(option.pk) == value:
            return option
    return None


# The choices' queries, built once per process (lantern/core/statements.py): the clinic (and
# the clinician) are values.


def _visit_types() -> QuerySet[VisitType]:
    """The clinic's active kinds of visit (bookable or not)."""
    return VisitType.objects.filter(
        organization=param_for(VisitType, "organization"), is_active=True
    )[:CHOICES_LISTED]


def _clinicians_offering() -> QuerySet:
    """Clinicians with weekly hours at one of the clinic's open places, by name."""
    return (
        User.objects.filter(
            is_active=True,
            weekly_hours__location__organization=param_for(Location, "organization"),
            weekly_hours__location__is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")[:CHOICES_LISTED]
    )


def _locations_offering(by_clinician: bool) -> QuerySet[Location]:
    """The clinic's open places where the clinician (or, for "first available", anyone) works."""
    locations = Location.objects.filter(
        organization=param_for(Location, "organization"), is_active=True
    )
    if by_clinician:
        locations = locations.filter(weekly_hours__clinician=param_for(WeeklyHours, "clinician"))
    else:
        locations = locations.filter(weekly_hours__isnull=False)
    return locations.distinct().order_by("name", "pk")[:CHOICES_LISTED]


_VISIT_TYPES = Statement(_visit_types)
_CLINICIANS_OFFERING = Statement(_clinicians_offering)
_LOCATIONS_OFFERING = Statement(_locations_offering)
