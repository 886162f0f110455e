"""Who may act for which patient, in which role, and which sections of the record they may open.
The only place it is decided.

Every read or write of patient data starts here: `patient_access` resolves a patient id against
what the acting user may see; `patients_for` and `records_for` give querysets already limited to
it. A patient outside the user's scope is "not found", never "forbidden", so the answer does not
confirm that the record exists.

The audit trail records what happened, once per action. A page resolves the patient without
auditing (`patient_access(..., audit=False)`: the access carries the action and object type its
rule names), then writes one event when it knows what it touched: `object_get` finds one object
in the patient's scope and records it with its type and id, or raises `ObjectNotFound`, which is
audited as denied; `access_record` records a page without an object (a list) or a change a
service made. An event written before the lookup would record an intent, not what happened.

Who acts, and how far (`PatientAccess.sections`), decided afresh on every request:
- the patient themselves: every section;
- clinic staff, for their clinic's patients: by role (`STAFF_SECTIONS`; the front desk sees
  personal details, appointments and messages, never results or notes);
- a proxy (a `ProxyRelationship`): only while it is active and today lies between its start and
  end dates, only the sections its permissions name, and for a parent, by the child's age
  today: all that is granted below `PROXY_TEEN_AGE`, only `PROXY_TEEN_SECTIONS` of it until
  `PROXY_ADULT_AGE` (or when the birth date is unknown), nothing after. Nothing is cached, so a
  revocation or a birthday counts from the very next request.
A patient, or a section, outside the access is "not found".
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from lantern.audit.models import ActorRole, AuditAction, AuditOutcome
from lantern.audit.services import (
    audit_event_append,
    audit_event_record,
    audit_events_record_many,
)
from lantern.clinical.models import Organization, Patient, PatientRecord
from lantern.core.statements import Param, Statement, param_for

from .models import (
    ProxyKind,
    ProxyPermission,
    ProxyRelationship,
    ProxyStatus,
    Section,
    StaffMembership,
    StaffRole,
)

if TYPE_CHECKING:
    from lantern.fhir_api.caller import ApiCaller

RecordT = TypeVar("RecordT", bound=PatientRecord)
ModelT = TypeVar("ModelT", bound=models.Model)
# AuditEvent.object_id holds at most this many characters.
OBJECT_ID_LENGTH = 64

ALL_SECTIONS = frozenset(Section)
# What staff see of their clinic's patients, by role.
FRONT_OFFICE_SECTIONS = frozenset({Section.DEMOGRAPHICS, Section.APPOINTMENTS, Section.MESSAGES})
STAFF_SECTIONS: dict[str, frozenset[Section]] = {
    StaffRole.CLINICIAN: ALL_SECTIONS,
    StaffRole.NURSE: ALL_SECTIONS,
    StaffRole.FRONT_DESK: FRONT_OFFICE_SECTIONS,
    StaffRole.ADMINISTRATOR: FRONT_OFFICE_SECTIONS,
}
# The sections each proxy permission opens.
PERMISSION_SECTIONS: dict[ProxyPermission, frozenset[Section]] = {
    ProxyPermission.RECORD: frozenset({Section.RECORD, Section.RESULTS, Section.NOTES}),
    ProxyPermission.MESSAGES: frozenset({Section.MESSAGES}),
    ProxyPermission.APPOINTMENTS: frozenset({Section.APPOINTMENTS}),
    ProxyPermission.MEDICATIONS: frozenset({Section.MEDICATIONS}),
    ProxyPermission.DOWNLOADS: frozenset({Section.DOWNLOADS}),
}


class PatientNotFound(Http404):
    """The patient does not exist or the user may not act for them; the two look the same."""


@dataclass
class _AuditState:
    # Mutable inside the frozen PatientAccess: whether an event has been written for it.
    recorded: bool = False


# The key of `PatientAccess.request_memo` that holds whether the account is anyone's proxy.
_ACTS_FOR_OTHERS = "acts_for_others"


@dataclass(frozen=True)
class PatientAccess:
    """Proof that `user` may act for `patient` in `role`; services take it, not a bare id.

    `action` and `object_type` are what the access rule says the request does; they are the
    defaults of the one event `access_record` or `object_get` writes once the object is known.
    """

    user: models.Model
    patient: Patient
    role: ActorRole
    action: AuditAction = AuditAction.VIEW
    object_type: str = "record"
    # The sections of the record this access may open (see the module's docstring).
    sections: frozenset[Section] = ALL_SECTIONS
    # For a proxy: the kind of relationship (ProxyKind), for pages that say it in words.
    proxy_kind: str = ""
    # For a connected app (role APP): the app's name, recorded as the audit event's actor label.
    actor_label: str = ""
    audit_state: _AuditState = field(default_factory=_AuditState, compare=False, repr=False)
    # What selectors read once per request for this access and reuse (a page asks for the
    # result release delays several times); an access lives for one request only.
    request_memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def audited(self) -> bool:
        """Whether this access has written its event."""
        return self.audit_state.recorded

    def may(self, section: Section | str) -> bool:
        """Whether this access may open `section` of the record."""
        return section in self.sections


class ObjectNotFound(Http404):
    """An object named in the URL is not in the patient's scope (or does not exist).

    A 404 like any other, and a "denied" audit event: `patient_view` writes it with
    `object_denied_record` after the view's transactions have ended, so no rollback removes it.
    """

    def __init__(
        self,
        *,
        access: PatientAccess,
        action: AuditAction,
        model: type[models.Model],
        object_type: str,
        object_id: str,
        owner_field: str,
    ) -> None:
        super().__init__(f"No {object_type} {object_id} for this patient.")
        self.access = access
        self.action = action
        self.model = model
        self.object_type = object_type
        self.object_id = object_id
        self.owner_field = owner_field


def _staff_organizations(user, section: Section | None = None) -> QuerySet:
    memberships = StaffMembership.objects.filter(user=user, is_active=True)
    if section is not None:
        memberships = memberships.filter(role__in=roles_opening(section))
    return memberships.values("organization_id")


def _in_staff_organizations(user, path: str, section: Section | None) -> Q:
    """The condition "`path` (a foreign key to a clinic) is one of the user's clinics whose role
    opens `section`": a subquery of the memberships, or, for a `staff_template`, its clinics'
    `Param`s (values the planner reads as such, not a query to plan)."""
    known = getattr(user, "known_organizations", None)
    if known is None:
        return Q(**{f"{path}_id__in": _staff_organizations(user, section)})
    known_section, params = known
    if section != known_section:
        raise ValueError(f"This template knows the clinics that open {known_section}.")
    return Q(**{f"{path}__pk__in": list(params)})


def roles_opening(section: Section) -> list[str]:
    """The staff roles whose members may open `section` of their clinic's patients' records."""
    return [role for role, sections in STAFF_SECTIONS.items() if section in sections]


# Built once per process (lantern/core/statements.py): every staff page asks it.
_STAFF_MEMBERSHIPS = Statement(
    lambda: StaffMembership.objects.filter(
        user=param_for(StaffMembership, "user"), is_active=True
    ).values_list("organization_id", "role")
)


@dataclass(frozen=True)
class StaffAccess:
    """What an account may do as clinic staff: its active memberships, (clinic id, role), read
    in one query when a staff page starts (`staff_access`). A staff page's lists of many
    conversations or requests name these clinics as values rather than asking the memberships
    again in each query: PostgreSQL plans such a query in a third of the time."""

    user: Any
    memberships: tuple[tuple[Any, str], ...]

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(role for _, role in self.memberships)

    def organizations(self, section: Section | None = None) -> tuple[Any, ...]:
        """The ids of the clinics where the user's role opens `section` (any role: None)."""
        roles = None if section is None else set(roles_opening(section))
        found = {org for org, role in self.memberships if roles is None or role in roles}
        return tuple(sorted(found, key=str))


def staff_access(user) -> StaffAccess:
    """The user's active staff memberships (one query); none for non-staff."""
    if not _may_act(user):
        return StaffAccess(user, ())
    return StaffAccess(user, tuple(_STAFF_MEMBERSHIPS.tuples(user=user.pk)))


def staff_roles(user) -> frozenset[str]:
    """The roles of the user's active staff memberships (one query); empty for non-staff."""
    return staff_access(user).roles


def sections_of_roles(roles: frozenset[str]) -> frozenset[Section]:
    """The sections staff with these roles may open of their clinics' patients' records."""
    return frozenset().union(*(STAFF_SECTIONS[role] for role in roles))


def staff_sections(user) -> frozenset[Section]:
    """The sections the user may open as staff of at least one clinic; empty for non-staff."""
    return sections_of_roles(staff_roles(user))


def _may_act(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_staff_member(user) -> bool:
    """The account works for at least one clinic (and may open the staff console)."""
    return bool(staff_roles(user))


def staff_organizations(user) -> QuerySet:
    """Ids of the organizations the user is active staff of."""
    return _staff_organizations(user)


# Who sets up a clinic's schedules (visit types, places, weekly hours, time off); every role
# that opens appointments reads the schedules and books, moves and marks visits.
SCHEDULE_MANAGER_ROLES = frozenset({StaffRole.ADMINISTRATOR})


# Who works a clinic's HL7 v2 error queue (messages from its lab, EHR and registration systems
# that could not be applied): administrators, who look after the interfaces, and clinical staff,
# who know the patients. The front desk does not: the messages carry results.
INTERFACE_QUEUE_ROLES = frozenset({StaffRole.ADMINISTRATOR, StaffRole.CLINICIAN, StaffRole.NURSE})


def interface_queue_organizations(user) -> QuerySet:
    """Ids of the clinics whose HL7 v2 error queue the user works (empty for other roles)."""
    if not _may_act(user):
        return StaffMembership.objects.none().values("organization_id")
    return StaffMembership.objects.filter(
        user=user, is_active=True, role__in=INTERFACE_QUEUE_ROLES
    ).values("organization_id")


@dataclass(frozen=True)
class ClinicSchedule:
    """Proof that `user` works at `organization` in a role that opens appointments: they may
    read its schedules (every clinician's day, every place's day); `may_manage` also lets them
    change its setup. Staff-side schedule reads take it, not a bare organization id."""

    user: models.Model
    organization: Organization
    may_manage: bool

    def read_record(self, patients: list[Patient], *, object_type: str = "Appointment") -> None:
        """Audit a schedule page: one "viewed" event per patient shown, in one insert."""
        if patients:
            audit_events_record_many(
                actor=self.user,
                patients=patients,
                role=ActorRole.STAFF,
                action=AuditAction.VIEW,
                object_type=object_type,
            )


def _schedule_membership(manage: bool, one_clinic: bool) -> QuerySet:
    """The first (by clinic name) active membership of the user whose role opens appointments
    (with `manage`, sets up schedules), at the one clinic given or at any."""
    memberships = StaffMembership.objects.filter(
        user=param_for(StaffMembership, "user"),
        is_active=True,
        role__in=roles_opening(Section.APPOINTMENTS),
    )
    if manage:
        memberships = memberships.filter(role__in=SCHEDULE_MANAGER_ROLES)
    if one_clinic:
        memberships = memberships.filter(organization=param_for(StaffMembership, "organization"))
    return memberships.select_related("organization").order_by("organization__name")[:1]


# Built once per process for each shape (lantern/core/statements.py): every schedule page asks it.
_SCHEDULE_MEMBERSHIP = Statement(_schedule_membership)


def clinic_schedule(
    user, organization_id: uuid.UUID | str | None = None, *, manage: bool = False
) -> ClinicSchedule:
    """The schedules of a clinic the user works at in a role that opens appointments (without
    `organization_id`, the first such clinic by name); with `manage`, only for a role in
    SCHEDULE_MANAGER_ROLES. Anyone else, or another clinic, is "not found", audited as denied."""
    membership = None
    try:
        one_clinic = None if organization_id is None else uuid.UUID(str(organization_id))
    except ValueError:
        one_clinic = False  # Not a clinic's id: no membership is looked for.
    if _may_act(user) and one_clinic is not False:
        found = _SCHEDULE_MEMBERSHIP.objects(
            (manage, one_clinic is not None), user=user.pk, organization=one_clinic
        )
        membership = found[0] if found else None
    if membership is None:
        action = AuditAction.UPDATE if manage else AuditAction.VIEW
        _audit_denied(user, None, action, "Schedule", str(organization_id or "")[:OBJECT_ID_LENGTH])
        raise Http404
    return ClinicSchedule(
        user=user,
        organization=membership.organization,
        may_manage=membership.role in SCHEDULE_MANAGER_ROLES,
    )


def patients_for(user, *, section: Section | None = None) -> QuerySet[Patient]:
    """Every patient the user may act for: their own record, and their clinics' patients (with
    `section`, only at the clinics where their role opens it). Staff work lists start here;
    the people a proxy acts for are reached one at a time, through `patient_access`."""
    if not _may_act(user):
        return Patient.objects.none()
    return Patient.objects.filter(patient_scope(user, to_patient="", section=section))


def patient_scope(user, *, to_patient: str = "patient", section: Section | None = None) -> Q:
    """The condition "the record's patient is one the user may act for" (as `patients_for`),
    for a queryset of any model that leads to its patient through `to_patient` ("" for Patient
    itself). A join, not a subquery of patients: far cheaper to build and to run."""
    if not _may_act(user):
        return Q(pk__in=[])
    prefix = f"{to_patient}__" if to_patient else ""
    scope = _in_staff_organizations(user, f"{prefix}managing_organization", section)
    if user.patient_id is not None:
        scope |= Q(**{f"{prefix}pk": user.patient_id})
    return scope


@dataclass(frozen=True)
class _Scope:
    patient: Patient
    role: ActorRole
    sections: frozenset[Section]
    proxy_kind: str = ""
    # For one's own record read by its key: whether the account is anyone's proxy (the frame
    # names whose record is open), asked in the same query.
    acts_for_others: bool | None = None


# Every patient page reads its patient (and, for staff, the role their clinic gives them) by its
# key: statements built once per process (see lantern/core/statements.py).
_PATIENT_BY_KEY = Statement(lambda: Patient.objects.filter(pk=param_for(Patient, "id")))


def _proxy_relationships_active() -> QuerySet[ProxyRelationship]:
    """The account's ("proxy") active relationships: whether it is anyone's proxy."""
    return ProxyRelationship.objects.filter(
        proxy=param_for(ProxyRelationship, "proxy"), status=ProxyStatus.ACTIVE
    )


_OWN_RECORD = Statement(
    lambda: Patient.objects.filter(pk=param_for(Patient, "id")).annotate(
        acts_for_others=Exists(_proxy_relationships_active())
    )
)
_PATIENT_WITH_STAFF_ROLE = Statement(
    lambda: Patient.objects.filter(pk=param_for(Patient, "id")).annotate(
        staff_role=Subquery(
            StaffMembership.objects.filter(
                user=param_for(StaffMembership, "user"),
                is_active=True,
                organization=OuterRef("managing_organization"),
            ).values("role")[:1]
        )
    )
)
_PROXY_RELATIONSHIP = Statement(
    lambda: ProxyRelationship.objects.filter(
        proxy=param_for(ProxyRelationship, "proxy"),
        patient=param_for(ProxyRelationship, "patient"),
        status=ProxyStatus.ACTIVE,
    ).order_by("-granted_at")[:1]
)
_IS_ANY_PROXY = Statement(_proxy_relationships_active)


def _patient_by_key(patient_uuid: uuid.UUID, *, staff_user=None) -> Patient | None:
    """The patient, with `staff_role` (the user's role at their clinic, or None) for staff."""
    if staff_user is None:
        found = _PATIENT_BY_KEY.objects(id=patient_uuid)
    else:
        found = _PATIENT_WITH_STAFF_ROLE.objects(id=patient_uuid, user=staff_user.pk)
    return found[0] if found else None


def _scope_for(
    user, patient_uuid: uuid.UUID, *, as_staff: bool = True, known: Patient | None = None
) -> _Scope | None:
    """How the user may act for the patient today, or None when not at all.

    One's own record first (every section), then one's clinic's patients (by role), then the
    people one is a proxy for. Without `as_staff`, a staff membership gives nothing: only one's
    own record and the people one is a proxy for (what a connected app may be granted).
    `known` is the patient row when the caller has just read it (a token's patient), so it is
    not read again; whether the user may act for them is decided all the same.
    """
    if not _may_act(user):
        return None
    known = known if known is not None and known.pk == patient_uuid else None
    if user.patient_id == patient_uuid:
        if known is not None:
            return _Scope(known, ActorRole.SELF, ALL_SECTIONS)
        found = _OWN_RECORD.objects(id=patient_uuid, proxy=user.pk)
        if not found:
            return None
        patient = found[0]
        return _Scope(
            patient, ActorRole.SELF, ALL_SECTIONS, acts_for_others=patient.acts_for_others
        )
    patient = (
        known
        if known is not None and not as_staff
        else _patient_by_key(patient_uuid, staff_user=user if as_staff else None)
    )
    if patient is None:
        return None
    if as_staff and patient.staff_role:
        return _Scope(patient, ActorRole.STAFF, STAFF_SECTIONS[patient.staff_role])
    found = _PROXY_RELATIONSHIP.objects(proxy=user.pk, patient=patient.pk)
    if not found:
        return None
    relationship = found[0]
    relationship.patient = patient
    sections = proxy_sections(relationship, today=timezone.localdate())
    return _Scope(patient, ActorRole.PROXY, sections, relationship.kind) if sections else None


# The most people one account acts for that the switcher lists (a family, a few dependants).
PEOPLE_LIMIT = 50
# The people an account is a proxy for, built once per process (lantern/core/statements.py);
# its shape: whether the account has a record of its own (left out of the list).
_PEOPLE = Statement(
    lambda has_record: (
        ProxyRelationship.objects.filter(
            proxy=param_for(ProxyRelationship, "proxy"), status=ProxyStatus.ACTIVE
        )
        .exclude(patient_id=_OWN_PATIENT if has_record else None)
        .select_related("patient")
        .order_by("patient__given_names", "patient__family_name", "pk")[:PEOPLE_LIMIT]
    )
)
_OWN_PATIENT = param_for(ProxyRelationship, "patient", "own_patient")


def people_for(
    user, *, object_type: str = "dashboard", include_self: bool = True
) -> list[PatientAccess]:
    """An access for each person whose record this account may open on the patient side:
    its own record first, then the people it is a proxy for today, by name.

    Two queries whatever the number (one without `include_self`), and the reads audited in at
    most two inserts (one event a person). Staff reach their clinic's patients through the
    console, not here.
    """
    if not _may_act(user):
        return []
    today = timezone.localdate()
    relationships = _PEOPLE.objects(
        (user.patient_id is not None,), proxy=user.pk, own_patient=user.patient_id
    )
    people = [
        PatientAccess(
            user=user,
            patient=relationship.patient,
            role=ActorRole.PROXY,
            object_type=object_type,
            sections=sections,
            proxy_kind=relationship.kind,
        )
        for relationship in relationships
        if (sections := proxy_sections(relationship, today=today))
    ]
    own = (
        next(iter(_PATIENT_BY_KEY.objects(id=user.patient_id)), None)
        if include_self and user.patient_id
        else None
    )
    if own is not None:
        people.insert(
            0, PatientAccess(user=user, patient=own, role=ActorRole.SELF, object_type=object_type)
        )
    for role in (ActorRole.SELF, ActorRole.PROXY):
        patients = [access.patient for access in people if access.role == role]
        if patients:
            audit_events_record_many(
                actor=user,
                patients=patients,
                role=role,
                action=AuditAction.VIEW,
                object_type=object_type,
            )
    for access in people:
        access.audit_state.recorded = True
    return people


def proxies_for(patient: Patient, section: Section) -> list[models.Model]:
    """The active accounts acting for `patient` today whose access opens `section` (one query):
    who else hears about an event in that part of the patient's care."""
    today = timezone.localdate()
    relationships = (
        ProxyRelationship.objects.filter(
            patient=patient, status=ProxyStatus.ACTIVE, proxy__is_active=True
        )
        .select_related("proxy")
        .order_by("proxy_id")[:PEOPLE_LIMIT]
    )
    proxies = []
    for relationship in relationships:
        relationship.patient = patient
        if section in proxy_sections(relationship, today=today):
            proxies.append(relationship.proxy)
    return proxies


def age_on(birth_date: dt.date | None, day: dt.date) -> int | None:
    """Completed years on `day`; None when the birth date is unknown."""
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def granted_sections(permissions: ProxyPermission | int) -> frozenset[Section]:
    """The sections a set of proxy permissions opens."""
    granted = ProxyPermission(permissions)
    return frozenset().union(
        *(sections for flag, sections in PERMISSION_SECTIONS.items() if flag in granted)
    )


def proxy_sections(relationship: ProxyRelationship, *, today: dt.date) -> frozenset[Section]:
    """The sections a proxy relationship opens today; empty when it gives no access.

    Active, started and not ended (an end date that has passed ends it whatever its status
    says); for a parent, limited by the child's age today (see the module's docstring).
    """
    if relationship.status != ProxyStatus.ACTIVE or relationship.starts_on > today:
        return frozenset()
    if relationship.ends_on is not None and relationship.ends_on < today:
        return frozenset()
    granted = granted_sections(relationship.permissions)
    if relationship.kind != ProxyKind.PARENT:
        return granted
    age = age_on(relationship.patient.birth_date, today)
    if age is not None and age >= settings.PROXY_ADULT_AGE:
        return frozenset()
    if age is None or age >= settings.PROXY_TEEN_AGE:
        return granted & frozenset(settings.PROXY_TEEN_SECTIONS)
    return granted


def patient_access(
    user,
    patient_id: uuid.UUID | str,
    *,
    action: AuditAction = AuditAction.VIEW,
    object_type: str = "record",
    object_id: str = "",
    audit: bool = True,
    section: Section | tuple[Section, ...] | None = None,
) -> PatientAccess:
    """Resolve a patient for the acting user; a patient out of scope is audited as denied.

    With `audit=True` the allowed access is recorded at once (the caller already knows what it
    touches). With `audit=False` nothing is recorded yet: the caller writes the one event with
    `access_record` or `object_get` once it has found the object.
    With `section` (or a tuple of them), the access must also open that section (each of them).
    Raises PatientNotFound when the patient or the section is out of scope, or does not exist.
    """
    try:
        patient_uuid = uuid.UUID(str(patient_id))
    except ValueError as error:
        raise PatientNotFound from error
    scope = _scope_for(user, patient_uuid)
    needed = (section,) if isinstance(section, str) else section or ()
    if scope is None or not scope.sections.issuperset(needed):
        _audit_denied(user, patient_uuid, action, object_type, object_id)
        raise PatientNotFound
    access = PatientAccess(
        user=user,
        patient=scope.patient,
        role=scope.role,
        action=action,
        object_type=object_type,
        sections=scope.sections,
        proxy_kind=scope.proxy_kind,
    )
    if scope.acts_for_others is not None:
        access.request_memo[_ACTS_FOR_OTHERS] = scope.acts_for_others
    if audit:
        access_record(access, object_id=object_id)
    return access


def api_access(
    caller: ApiCaller,
    *,
    object_type: str,
    object_id: str = "",
    action: AuditAction = AuditAction.VIEW,
) -> PatientAccess:
    """The access of a connected app (an ApiCaller, read from its bearer token) to its patient.

    The app acts in the role APP for the person who authorized it, and opens at most what that
    person may open for the token's patient today (their own record: every section; someone
    they are a proxy for: what the relationship allows now, by `_scope_for`, so a revoked or
    ended relationship counts from the next request), intersected with the sections the token's
    scopes name a resource type of (`RESOURCE_SECTIONS`). A staff membership gives an app
    nothing. Nothing is audited yet: the API records the one event of each read or search once
    it knows what it touched (`access_record`, `object_get`). Raises PatientNotFound, audited as
    denied, when the person may no longer act for the patient or the scopes open nothing.
    """
    from lantern.fhir_api.caller import RESOURCE_SECTIONS

    patient_uuid = caller.patient.pk
    scope = _scope_for(caller.user, patient_uuid, as_staff=False, known=caller.patient)
    granted = frozenset(
        section
        for resource_type, section in RESOURCE_SECTIONS.items()
        if caller.scopes.allows(resource_type, "r") or caller.scopes.allows(resource_type, "s")
    )
    sections = scope.sections & granted if scope is not None else frozenset()
    if scope is None or not sections:
        _audit_denied(caller.user, patient_uuid, action, object_type, object_id)
        raise PatientNotFound
    return PatientAccess(
        user=caller.user,
        patient=scope.patient,
        role=ActorRole.APP,
        action=action,
        object_type=object_type,
        sections=sections,
        proxy_kind=scope.proxy_kind,
        actor_label=caller.app_name,
    )


def access_record(
    access: PatientAccess,
    *,
    action: AuditAction | None = None,
    object_type: str | None = None,
    object_id: Any = "",
) -> None:
    """Write the allowed event of an action: what was done, to what.

    `action` and `object_type` default to what the access rule named. Call it once per action,
    after the object is known; `patient_view` then sees that the request was audited. One cheap
    INSERT (`audit_event_append`): every read of a page or of the API writes one.
    """
    audit_event_append(
        actor=access.user,
        patient=access.patient,
        role=access.role,
        action=action or access.action,
        object_type=object_type or access.object_type,
        object_id=str(object_id),
        actor_label=access.actor_label or None,
    )
    access.audit_state.recorded = True


def object_get(
    access: PatientAccess,
    queryset: QuerySet[ModelT],
    object_id: Any,
    *,
    action: AuditAction | None = None,
    object_type: str | None = None,
    owner_field: str = "patient_id",
    record: bool = True,
) -> ModelT:
    """The object `object_id` of `queryset` (already limited to the access), audited as found.

    `object_type` defaults to the model's name. With `record=False` the object is only looked
    up (a service records the change it then makes). An id outside the queryset raises
    ObjectNotFound, audited as denied; `owner_field` leads from the model to its patient, so the
    denied event names whose object it was.
    """
    model = queryset.model
    object_type = object_type or model.__name__
    object_uuid = _object_key(
        access, object_id, model=model, action=action, object_type=object_type
    )
    # At most one row by its key: without the model's default ordering, which only costs time
    # to build (`first()` would order by it).
    found = next(iter(queryset.filter(pk=object_uuid).order_by()[:1]), None)
    return _object_found(
        access,
        found,
        model=model,
        object_uuid=object_uuid,
        action=action,
        object_type=object_type,
        owner_field=owner_field,
        record=record,
    )


def object_get_statement(
    access: PatientAccess,
    statement: Statement,
    object_id: Any,
    *,
    model: type[ModelT],
    shape: tuple[Any, ...] = (),
    values: dict[str, Any],
    action: AuditAction | None = None,
    object_type: str | None = None,
    owner_field: str = "patient_id",
    record: bool = True,
) -> ModelT:
    """`object_get` with a statement (lantern/core/statements.py) built from a queryset already
    limited to an `access_template`: it takes the object's key as the `Param` "id" and is run
    with `values` (`access_values` of this access, and any more)."""
    object_type = object_type or model.__name__
    object_uuid = _object_key(
        access, object_id, model=model, action=action, object_type=object_type
    )
    found = next(iter(statement.objects(shape, **values, id=object_uuid)), None)
    return _object_found(
        access,
        found,
        model=model,
        object_uuid=object_uuid,
        action=action,
        object_type=object_type,
        owner_field=owner_field,
        record=record,
    )


def _object_key(
    access: PatientAccess,
    object_id: Any,
    *,
    model: type[models.Model],
    action: AuditAction | None,
    object_type: str,
) -> uuid.UUID:
    """The object's key, or not found (audited) for an address that is no key at all."""
    try:
        return uuid.UUID(str(object_id))
    except ValueError:
        object_not_found(
            access, model=model, object_id=object_id, action=action, object_type=object_type
        )


def _object_found(
    access: PatientAccess,
    found: ModelT | None,
    *,
    model: type[ModelT],
    object_uuid: uuid.UUID,
    action: AuditAction | None,
    object_type: str,
    owner_field: str,
    record: bool,
) -> ModelT:
    if found is None:
        object_not_found(
            access,
            model=model,
            object_id=object_uuid,
            action=action,
            object_type=object_type,
            owner_field=owner_field,
        )
    if record:
        access_record(access, action=action, object_type=object_type, object_id=found.pk)
    return found


def object_not_found(
    access: PatientAccess,
    *,
    model: type[models.Model],
    object_id: Any,
    action: AuditAction | None = None,
    object_type: str | None = None,
    owner_field: str = "patient_id",
) -> NoReturn:
    """Raise the 404 for an object outside the patient's scope; it is audited as denied."""
    raise ObjectNotFound(
        access=access,
        action=action or access.action,
        model=model,
        object_type=object_type or model.__name__,
        object_id=str(object_id)[:OBJECT_ID_LENGTH],
        owner_field=owner_field,
    )


def object_denied_record(error: ObjectNotFound) -> None:
    """Audit a refused object lookup; call it once the transaction of the attempt has ended.

    The event names the object's patient when the object exists (a reviewer of that record sees
    the attempt), else no patient. It is never shown to the requester.
    """
    owner_id = None
    try:
        object_uuid = uuid.UUID(error.object_id)
    except ValueError:
        object_uuid = None
    if object_uuid is not None:
        owner_id = (
            error.model._base_manager.filter(pk=object_uuid)
            .values_list(error.owner_field, flat=True)
            .first()
        )
    _audit_denied(error.access.user, owner_id, error.action, error.object_type, error.object_id)


def section_require(access: PatientAccess, section: Section) -> None:
    """For a service about to write: the access must open `section`, or the write is refused as
    "not found" (a 404, never a 500), whatever page or task called it."""
    if not access.may(section):
        raise PatientNotFound


def conversation_scope(user) -> Q:
    """The condition "a conversation this staff member may handle": one held by a clinic they
    work at, about a patient they may act for (the inbox and every staff view of messages)."""
    return patient_scope(user, section=Section.MESSAGES) & _in_staff_organizations(
        user, "organization", Section.MESSAGES
    )


def conversations_visible(access: PatientAccess, queryset: QuerySet) -> QuerySet:
    """A patient's conversations as this access sees them: all of them for the patient and
    their proxies; for staff, only those held by a clinic they work at."""
    if access.role == ActorRole.STAFF:
        return queryset.filter(organization_id__in=_staff_organizations(access.user))
    return queryset


def waits_for_result_release(access: PatientAccess) -> bool:
    """Whether this access sees a result only once it is released (`results/release.py` says
    when): the patient, their proxies and the apps they connected wait; staff see results as
    they arrive."""
    return access.role in (ActorRole.SELF, ActorRole.PROXY, ActorRole.APP)


def records_for(access: PatientAccess, model: type[RecordT]) -> QuerySet[RecordT]:
    """The records of one kind that belong to the patient this access was granted for."""
    return model.objects.filter(patient=access.patient)


# The names of the `Param`s an access template puts in a statement for its patient and user.
_TEMPLATE_KEY = "statement_template"


def access_template(
    role: ActorRole, *, sections: frozenset[Section] = ALL_SECTIONS, memo: dict | None = None
) -> PatientAccess:
    """An access in `role` whose patient and user are statement `Param`s ("patient", "user"),
    for building, with the selectors' own code, a statement (lantern/core/statements.py) of what
    an access in that role reads; it is run with `access_values` of a real access. `memo` gives
    what the selectors would read once per request (such as the release delays)."""
    from django.contrib.auth import get_user_model

    return PatientAccess(
        user=Param("user", get_user_model()._meta.pk),
        patient=Param("patient", Patient._meta.pk),
        role=role,
        sections=sections,
        request_memo={**(memo or {}), _TEMPLATE_KEY: True},
    )


class _UserParam(Param):
    """A statement's acting account: a `Param` ("user") that answers what the policy asks of
    an account (signed in, active, whether it has a record of its own: "own_patient")."""

    is_authenticated = True

    def __init__(self, *, may_act: bool, has_record: bool) -> None:
        from django.contrib.auth import get_user_model

        super().__init__("user", get_user_model()._meta.pk)
        self.is_active = may_act
        self.patient_id = Param("own_patient", Patient._meta.pk) if has_record else None


def user_template(may_act: bool, has_record: bool) -> Any:
    """An account for building a statement (lantern/core/statements.py) of what an account
    reads as staff, with the policy's own conditions; run it with `user_values(user)`. Its
    shape (`user_shape`): whether the account may act at all, and has a record of its own."""
    return _UserParam(may_act=may_act, has_record=has_record)


def staff_template(
    may_act: bool, has_record: bool, organization_count: int, section: Section
) -> Any:
    """A `user_template` that also knows the clinics where the account's role opens `section`,
    as `Param`s ("organization0", ...): the policy's conditions on them (`patient_scope`,
    `conversation_scope`) name the clinics rather than ask the memberships. Its shape is
    `staff_shape`; run it with `staff_values`."""
    template = _UserParam(may_act=may_act, has_record=has_record)
    field = StaffMembership._meta.get_field("organization").target_field
    params = tuple(Param(f"organization{index}", field) for index in range(organization_count))
    template.known_organizations = (section, params)
    return template


def staff_shape(staff: StaffAccess, section: Section) -> tuple[bool, bool, int, Section]:
    return (*user_shape(staff.user), len(staff.organizations(section)), section)


def staff_values(staff: StaffAccess, section: Section) -> dict[str, Any]:
    """The values of a `staff_template`'s `Param`s for this access (read this request)."""
    values = user_values(staff.user)
    organizations = staff.organizations(section)
    values.update((f"organization{index}", org) for index, org in enumerate(organizations))
    return values


def user_shape(user) -> tuple[bool, bool]:
    return (_may_act(user), _may_act(user) and user.patient_id is not None)


def user_values(user) -> dict[str, Any]:
    """The values of a `user_template`'s `Param`s for this (real, active) account."""
    return {"user": user.pk, "own_patient": user.patient_id}


def is_access_template(access: PatientAccess) -> bool:
    """Whether `access` is an `access_template` (its patient and user are `Param`s)."""
    return _TEMPLATE_KEY in access.request_memo


def access_values(access: PatientAccess) -> dict[str, Any]:
    """The values of an `access_template`'s `Param`s for this (real) access."""
    # A system access (an interface, a command) has no account: its user matches nothing.
    return {"patient": access.patient.pk, "user": access.user.pk if access.user else None}


def records_for_people(
    accesses: list[PatientAccess], model: type[ModelT], *, section: Section
) -> QuerySet[ModelT]:
    """The records of one kind of several people at once (the people an account cares for),
    only of those whose access opens `section`."""
    patient_ids = [access.patient.pk for access in accesses if access.may(section)]
    return model.objects.filter(patient_id__in=patient_ids)


def acts_for_others(user, *, access: PatientAccess | None = None) -> bool:
    """Whether the account is anyone's proxy (one small query, or none when `access`, the
    account's own record, was read with the answer): whether its pages name whose record is
    open. What it may open is still decided on each request by `patient_access`."""
    if access is not None and access.user.pk == user.pk and _ACTS_FOR_OTHERS in access.request_memo:
        return access.request_memo[_ACTS_FOR_OTHERS]
    return _may_act(user) and _IS_ANY_PROXY.exists(proxy=user.pk)


def visible_records(
    user, model: type[RecordT], *, section: Section | None = None
) -> QuerySet[RecordT]:
    """Records of one kind across every patient the user may act for (staff work lists), with
    `section` only where the user's role opens it."""
    return model.objects.filter(patient_scope(user, section=section))


def access_denied_record(
    user,
    patient_id: uuid.UUID | str | None,
    *,
    action: AuditAction,
    object_type: str,
    object_id: str,
) -> None:
    """Audit a refused attempt found outside `patient_access` (e.g. an object out of scope).

    Call it after the transaction of the attempt has ended, or the event is rolled back with it.
    """
    _audit_denied(user, patient_id, action, object_type, object_id)


def _audit_denied(user, patient_uuid, action, object_type, object_id) -> None:
    # A denied attempt is a security event. It names the patient only if the record exists, and
    # the trail is for security reviewers, never shown to the requester.
    existing = Patient.objects.filter(pk=patient_uuid).first() if patient_uuid else None
    audit_event_record(
        actor=user,
        patient=existing,
        role=ActorRole.NONE,
        action=action,
        outcome=AuditOutcome.DENIED,
        object_type=object_type,
        object_id=object_id or str(patient_uuid),
    )
