"""Reads of the audit trail: the patient's own access log ("Who looked at my record")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import OrderBy
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lantern.access.models import StaffMembership, StaffRole
from lantern.access.policy import PatientAccess, access_template, access_values
from lantern.clinical.models import Organization, Patient
from lantern.core.statements import Statement, param_for

from .models import DATA_ACTIONS, ActorRole, AuditAction, AuditEvent, AuditOutcome

PER_PAGE = 25

# What was looked at, in the patient's words, by the object type the access layer records.
OBJECT_WORDS = {
    "record": _("your record"),
    "Patient": _("your personal details"),
    "Observation": _("your test results"),
    "DiagnosticReport": _("your test results"),
    "Condition": _("your health problems"),
    "MedicationRequest": _("your medications"),
    "RefillRequest": _("your prescription requests"),
    "Task": _("your prescription requests"),
    "AllergyIntolerance": _("your allergies"),
    "Immunization": _("your immunizations"),
    "Procedure": _("your procedures"),
    "Encounter": _("your visits"),
    "DocumentReference": _("your documents"),
    "AuditEvent": _("who looked at your record"),
    "ActivationCode": _("your activation code"),
    "dashboard": _("your home page"),
    # Someone you gave access to saw your name on their list, with your new results and replies.
    "people": _("a summary of your new results and messages"),
    "ProxyRelationship": _("who can help with your care"),
    "Appointment": _("your appointments"),
    "Conversation": _("your messages"),
    "Message": _("your messages"),
    "Attachment": _("a file in your messages"),
    "StaffNote": _("a care team note about your messages"),
    "EnrollmentRequest": _("your request for an account"),
    "Bundle": _("your record"),
    "Account": _("your account"),
}
ACTION_WORDS = {
    AuditAction.VIEW: _("Viewed"),
    AuditAction.EXPORT: _("Downloaded"),
    AuditAction.CREATE: _("Added to"),
    AuditAction.UPDATE: _("Changed"),
    AuditAction.DELETE: _("Deleted from"),
}
# What the patient's access log lists: every access to the record, and the moment an account was
# linked to it.
ACCESS_LOG_ACTIONS = DATA_ACTIONS | {AuditAction.PATIENT_LINKED}
YOU = _("You")
CONNECTED_APP = _("Connected app")
# Staff roles in the patient's words (the console names them in English).
STAFF_ROLE_WORDS = {
    StaffRole.CLINICIAN: _("Clinician"),
    StaffRole.NURSE: _("Nurse"),
    StaffRole.FRONT_DESK: _("Front desk"),
    StaffRole.ADMINISTRATOR: _("Administrator"),
}
# The other roles an event is recorded in, in the patient's words.
ACTOR_ROLE_WORDS = {
    ActorRole.SELF: _("Patient"),
    ActorRole.PROXY: _("Proxy"),
    ActorRole.STAFF: _("Staff"),
    ActorRole.APP: _("Connected app"),
    ActorRole.SYSTEM: _("System"),
    ActorRole.NONE: _("No access"),
}


@dataclass(frozen=True)
class AccessLogEntry:
    who: str
    role: str
    what: str
    occurred_at: dt.datetime


def reads_own_log(access: PatientAccess) -> bool:
    """Whether the reader is the patient: their own visits are the entries that read "You"."""
    return access.user.patient_id == access.patient.pk


def _access_log(
    has_clinic: bool, hide_own: bool, older: bool = False, newest: int | None = None
) -> QuerySet[AuditEvent]:
    """The events of `access_log_page` for a statement's template: its patient ("patient"), the
    reader ("user") and the patient's clinic ("clinic", when `has_clinic`) are `Param`s.

    The events are read in parts, one per role, each the newest first by the index on (patient,
    role, time); with `newest`, each part gives only its first `newest` (a page ending there
    needs no more), so a page reads the same few rows however long the trail is: one app that
    reads the record every hour adds thousands of events a year.

    With `hide_own`, the reader's own visits (their account in the patient's role) are left out.
    They are most of a patient's trail, so the patient's role is read as parts that each take
    one range of the index on (patient, role, actor, time, id), never her own visits: the
    patient's role held by an account before hers, after hers or by one since deleted.
    """
    access = access_template(ActorRole.SELF)
    clinic = param_for(Patient, "managing_organization", "clinic") if has_clinic else None
    role_at_clinic = StaffMembership.objects.filter(
        user=OuterRef("actor"), organization_id=clinic
    ).values("role")[:1]
    events = AuditEvent.objects.filter(
        patient=access.patient, outcome=AuditOutcome.ALLOWED, action__in=ACCESS_LOG_ACTIONS
    )
    if older:
        events = events.filter(_older_than_cursor())
    order = ("-occurred_at", "-id")
    parts = [
        (events.filter(actor_role=role), False)
        for role in sorted(ActorRole.values)
        if not (hide_own and role == ActorRole.SELF)
    ]
    if hide_own:
        own_role = events.filter(actor_role=ActorRole.SELF)
        parts += [
            (own_role.filter(actor__lt=access.user), True),
            (own_role.filter(actor__gt=access.user), True),
            (own_role.filter(actor__isnull=True), True),
        ]
    if newest is not None:
        newest = max(newest, 1)  # An empty log's page ends at 0; a LIMIT 0 part is no query.
    first, *rest = (
        _newest_of(part, role_at_clinic, order, newest, sorted_part=few) for part, few in parts
    )
    return first.union(*rest, all=True).order_by(*order)


# The log's order, as an expression no index gives (PostgreSQL): the parts of other accounts in
# the patient's role (before hers, after hers, or none) are found by their range of the index on
# (patient, role, actor, ...) and then sorted (they are few). Ordered by the time itself,
# PostgreSQL may instead walk her own visits by the index on (patient, role, time), newest
# first, skipping each, when its statistics make such accounts look common (they are: every
# other patient's account, and the events of no account, such as failed sign-ins).
# SQLite finds these parts by their range whatever the order.
_SORTED_ORDER = (
    OrderBy(
        ExpressionWrapper(F("occurred_at") + Value(dt.timedelta(0)), output_field=DateTimeField()),
        descending=True,
    ),
    "-id",
)


def _newest_of(
    part: QuerySet[AuditEvent],
    role_at_clinic: QuerySet,
    order: tuple[str, ...],
    newest: int | None,
    *,
    sorted_part: bool = False,
) -> QuerySet[AuditEvent]:
    """One part of the log's UNION, with its actor; with `newest`, only its newest rows (a
    `sorted_part`, of few rows, found by its index range and then sorted: `_SORTED_ORDER`)."""
    if newest is None:
        return _with_actor(part, role_at_clinic).order_by()
    if connection.features.supports_slicing_ordering_in_compound:
        by = _SORTED_ORDER if sorted_part else order
        return _with_actor(part, role_at_clinic).order_by(*by)[:newest]
    # SQLite: a part of a UNION cannot have a LIMIT of its own, a subquery in it can.
    newest_keys = part.order_by(*order).values("pk")[:newest]
    return _with_actor(AuditEvent.objects.filter(pk__in=newest_keys), role_at_clinic).order_by()


# The columns an entry is worded from (`_entry`): an event's network details and an account's
# password, dates and settings are not read (converting them took a sixth of the page's time).
LOG_ENTRY_FIELDS = (
    "occurred_at",
    "actor_role",
    "actor_label",
    "action",
    "object_type",
    "actor",
    "actor__patient_id",
    "actor__first_name",
    "actor__last_name",
    "actor__username",
)


def _with_actor(events: QuerySet[AuditEvent], role_at_clinic: QuerySet) -> QuerySet[AuditEvent]:
    """Each event with its actor's account and their staff role at the patient's clinic."""
    return (
        events.select_related("actor")
        .only(*LOG_ENTRY_FIELDS)
        .annotate(staff_role=Subquery(role_at_clinic))
    )


def _older_than_cursor() -> Q:
    """The events listed after the cursor's ("before_at", "before_id"): older, or as old and
    recorded before it. Its first part bounds each index search by time (`<=`), so a page far
    down the log reads as few rows as the first."""
    at = param_for(AuditEvent, "occurred_at", "before_at")
    key = param_for(AuditEvent, "id", "before_id")
    return Q(occurred_at__lte=at) & (Q(occurred_at__lt=at) | Q(occurred_at=at, pk__lt=key))


# The log's queries, built once per process (lantern/core/statements.py): a page of events
# (and one more, which tells whether there are older ones) and the clinic's name.
_EVENTS = Statement(lambda stop, *shape: _access_log(*shape, newest=stop)[:stop])
_CLINIC_NAME = Statement(
    lambda: (
        Organization.objects.filter(pk=param_for(Organization, "id"))
        .order_by("pk")
        .values_list("name")[:1]
    )
)


@dataclass(frozen=True)
class LogCursor:
    """Where a page of the log ends: its oldest entry's moment and key. The next page lists
    what is older (the address says `?before=<microseconds>-<key>`: no health information)."""

    occurred_at: dt.datetime
    event_id: int

    @property
    def token(self) -> str:
        return f"{_microseconds(self.occurred_at)}-{self.event_id}"

    @classmethod
    def parse(cls, token: str | None) -> LogCursor | None:
        """The cursor of a `token`; None for no token or anything else (the newest page)."""
        found = _CURSOR_TOKEN.fullmatch(token or "")
        if found is None:
            return None
        moment = _EPOCH + dt.timedelta(microseconds=int(found["at"]))
        return cls(occurred_at=moment, event_id=int(found["key"]))


_CURSOR_TOKEN = re.compile(r"(?P<at>[0-9]{1,17})-(?P<key>[0-9]{1,18})")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _microseconds(moment: dt.datetime) -> int:
    return (moment - _EPOCH) // dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class LogPage:
    """One page of the log: its entries, newest first; the cursor of the older entries (None
    when there are none); whether it is the newest page."""

    object_list: list[AccessLogEntry]
    older: LogCursor | None
    is_newest: bool


def access_log_page(
    *, access: PatientAccess, before: str | None = None, include_own: bool = True
) -> LogPage:
    """The allowed accesses to the patient's record, newest first, one page of entries: the
    newest, or those older than `before` (a `LogCursor` token; anything else is the newest).

    With `include_own` off, the patient's own visits (her account in her own role: the entries
    that read "You") are left out, so the log shows who else looked (the apps she connected
    among them); a staff member or proxy reading it sees every entry. Either way a page reads
    only the events it lists and one more, however many of her own visits there are and however
    long the trail: pages follow each other by cursor and nothing is counted.

    The actor's account and their staff role at the patient's clinic come in the same query
    (a join and a subquery), and the clinic's name in one more, so a page costs the same
    whatever the accounts on it.
    """
    patient = access.patient
    clinic_id = patient.managing_organization_id
    cursor = LogCursor.parse(before)
    shape = (
        PER_PAGE + 1,
        clinic_id is not None,
        not include_own and reads_own_log(access),
        cursor is not None,
    )
    values = {**access_values(access), "clinic": clinic_id}
    if cursor is not None:
        values.update(before_at=cursor.occurred_at, before_id=cursor.event_id)
    events = _EVENTS.objects(shape, **values)
    shown = events[:PER_PAGE]
    older = LogCursor(shown[-1].occurred_at, shown[-1].pk) if len(events) > PER_PAGE else None
    clinic = _clinic_name(patient)
    # A page repeats the same few actors and actions (a visit writes an entry per page seen):
    # each is worded once per page.
    words: dict[tuple, tuple[str, str, str]] = {}
    entries: list[AccessLogEntry] = []
    for event in shown:
        key = (
            event.actor_id,
            event.actor_role,
            event.actor_label,
            event.staff_role,
            event.action,
            event.object_type,
        )
        if key not in words:
            entry = _entry(event, access, clinic)
            words[key] = (entry.who, entry.role, entry.what)
        who, role, what = words[key]
        entries.append(AccessLogEntry(who=who, role=role, what=what, occurred_at=event.occurred_at))
    return LogPage(object_list=entries, older=older, is_newest=cursor is None)


def _clinic_name(patient: Patient) -> str:
    if patient.managing_organization_id is None:
        return ""
    names = _CLINIC_NAME.tuples(id=patient.managing_organization_id)
    return (names[0][0] if names else "") or ""


def _entry(event: AuditEvent, access: PatientAccess, clinic: str) -> AccessLogEntry:
    """One entry, worded in the active language (names of people, apps and clinics as kept)."""
    who, role = _who(event, access, clinic)
    return AccessLogEntry(
        who=str(who), role=str(role), what=str(_what(event)), occurred_at=event.occurred_at
    )


def _who(
    event: AuditEvent, access: PatientAccess, clinic: str
) -> tuple[str | Promise, str | Promise]:
    """Who acted, in the patient's words, and their role: one wording per kind of actor.

    The log speaks to the patient ("your record"), so "You" and the patient's name mean the
    patient. Only the patient's own enrolled account is named so: not whoever reads the log (a
    proxy or staff member reads their own entries under their own name) and not another
    account whose event was recorded in the patient's role.
    """
    actor = event.actor
    role = event.actor_role
    if role == ActorRole.APP:
        return _app_words(event, access), CONNECTED_APP
    if actor is not None and actor.patient_id == access.patient.pk:
        if actor.pk == access.user.pk:
            return YOU, _role_words(event, clinic)
        return access.patient.display_name or _("The patient"), _role_words(event, clinic)
    name = (actor.get_full_name() or actor.get_username()) if actor else event.actor_label
    if role == ActorRole.SYSTEM or (actor is None and event.action == AuditAction.IMPORT):
        # Imports run as the system, without an account, on behalf of the clinic.
        return (
            gettext("%(clinic)s (records import)") % {"clinic": clinic or gettext("Your clinic")},
            _("Records import"),
        )
    if role == ActorRole.SELF:
        # Recorded as the patient, but by an account that is not the patient's (one linked to
        # the record then, or recorded wrongly): named as itself, never as the patient.
        return (
            gettext("%(name)s (not your account)") % {"name": name or gettext("Another account")},
            _("Other account"),
        )
    if role == ActorRole.PROXY:
        return (
            gettext("%(name)s (someone you gave access to)") % {"name": name or gettext("Someone")},
            _("Proxy"),
        )
    if role == ActorRole.STAFF:
        return (
            _staff_words(name or gettext("Clinic staff"), event, clinic),
            _role_words(event, clinic),
        )
    return name or _("Unknown"), _role_words(event, clinic)


def _app_words(event: AuditEvent, access: PatientAccess) -> str:
    """A connected app by the name it had when it read (the event's label), and who connected
    it: the patient ("you") or the person acting for them who did."""
    app = event.actor_label or gettext("An app")
    actor = event.actor
    if actor is None or actor.patient_id == access.patient.pk:
        return gettext("%(app)s (an app you connected)") % {"app": app}
    return gettext("%(app)s (an app %(name)s connected)") % {
        "app": app,
        "name": actor.get_full_name() or actor.get_username(),
    }


def _staff_role_words(staff_role: str) -> str:
    role = StaffRole(staff_role)
    return str(STAFF_ROLE_WORDS.get(role, role.label))


def _staff_words(name: str, event: AuditEvent, clinic: str) -> str:
    where = clinic or gettext("your clinic")
    if event.staff_role:
        role = _staff_role_words(event.staff_role).lower()
        return gettext("%(name)s, %(role)s at %(clinic)s") % {
            "name": name,
            "role": role,
            "clinic": where,
        }
    return gettext("%(name)s, staff at %(clinic)s") % {"name": name, "clinic": where}


def _role_words(event: AuditEvent, clinic: str) -> str | Promise:
    if event.actor_role == ActorRole.STAFF:
        if event.staff_role:
            return gettext("%(role)s at your clinic") % {
                "role": _staff_role_words(event.staff_role)
            }
        return _("Clinic staff")
    role = ActorRole(event.actor_role)
    return ACTOR_ROLE_WORDS.get(role, role.label)


def _what(event: AuditEvent) -> str:
    verb = ACTION_WORDS.get(event.action, _("Opened"))
    thing = OBJECT_WORDS.get(event.object_type, _("your record"))
    if event.action == AuditAction.IMPORT:
        return gettext("Added records to %(thing)s") % {"thing": thing}
    if event.action == AuditAction.PATIENT_LINKED:
        return gettext("Linked an account to your record")
    return gettext("%(verb)s %(thing)s") % {"verb": verb, "thing": thing}
