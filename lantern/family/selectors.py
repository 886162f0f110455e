"""Reads for family and proxy access: a patient's proxies and invitations, and an invitation.

Whether a relationship gives access is `lantern.access.policy`'s decision; what is read here is
what the patient, the invitee and the clinic see about relationships themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lantern.access.models import (
    PROXY_PERMISSION_WORDS,
    ProxyInvitation,
    ProxyKind,
    ProxyPermission,
    ProxyRelationship,
    ProxyStatus,
)
from lantern.access.policy import PatientAccess, age_on

FULL_ACCESS_WORDS = _("Full access")
# The access app's words for permissions, kinds and statuses, in the reader's language: the
# family pages are where patients and the people who help them read them.
PERMISSION_WORDS = {
    ProxyPermission.RECORD: _("Health record and test results"),
    ProxyPermission.MESSAGES: _("Messages"),
    ProxyPermission.APPOINTMENTS: _("Appointments"),
    ProxyPermission.MEDICATIONS: _("Medications and refills"),
    ProxyPermission.DOWNLOADS: _("Downloads"),
}
KIND_WORDS = {
    ProxyKind.PARENT: _("Parent or guardian of a child"),
    ProxyKind.LEGAL_GUARDIAN: _("Legal guardian"),
    ProxyKind.POWER_OF_ATTORNEY: _("Power of attorney"),
    ProxyKind.CAREGIVER: _("Caregiver"),
}
STATUS_WORDS = {
    ProxyStatus.PENDING: _("Invitation sent"),
    ProxyStatus.ACTIVE: _("Active"),
    ProxyStatus.DECLINED: _("Declined"),
    ProxyStatus.REVOKED: pgettext_lazy("relationship status", "Ended"),
    ProxyStatus.EXPIRED: _("Expired"),
}


def patient_may_invite(*, patient, today: dt.date) -> bool:
    """Adults invite and end access themselves; a child's family is recorded by the clinic.
    A patient whose birth date is unknown is taken to be an adult."""
    age = age_on(patient.birth_date, today)
    return age is None or age >= settings.PROXY_ADULT_AGE


def invitation_is_usable(invitation: ProxyInvitation, *, now: dt.datetime, today: dt.date) -> bool:
    """Not used, not expired, not cancelled, and its end date (if any) not already passed."""
    relationship = invitation.relationship
    return (
        invitation.used_at is None
        and invitation.expires_at > now
        and relationship.status == ProxyStatus.PENDING
        and (relationship.ends_on is None or relationship.ends_on >= today)
    )


def permission_words(permissions: int) -> list[str]:
    """What a permission set allows, in words; "Full access" for all of it."""
    granted = ProxyPermission(permissions)
    if granted == ProxyPermission.FULL:
        return [str(FULL_ACCESS_WORDS)]
    return [
        str(PERMISSION_WORDS.get(flag, words))
        for flag, words in PROXY_PERMISSION_WORDS.items()
        if flag in granted
    ]


@dataclass(frozen=True)
class RelationshipRow:
    """One relationship as the family pages show it."""

    relationship: ProxyRelationship
    # The proxy's name, or the invited email address while no one has accepted.
    who: str
    permissions: list[str]
    # A pending invitation whose link has expired (its status stays "pending").
    invitation_expired: bool = False
    invitation_expires_at: dt.datetime | None = None

    @property
    def pk(self) -> int:
        return self.relationship.pk

    @property
    def kind_words(self) -> str:
        kind = self.relationship.kind
        return str(KIND_WORDS.get(kind, self.relationship.get_kind_display()))

    @property
    def status_words(self) -> str:
        status = self.relationship.status
        return str(STATUS_WORDS.get(status, self.relationship.get_status_display()))


@dataclass(frozen=True)
class FamilyOverview:
    pending: list[RelationshipRow] = field(default_factory=list)
    active: list[RelationshipRow] = field(default_factory=list)
    ended: list[RelationshipRow] = field(default_factory=list)


def family_for_patient(*, access: PatientAccess) -> FamilyOverview:
    """The patient's invitations, proxies and ended relationships, newest first (one query)."""
    relationships = (
        ProxyRelationship.objects.filter(patient=access.patient)
        .select_related("proxy", "invitation", "granted_by", "ended_by")
        .order_by("-granted_at", "-pk")
    )
    now = timezone.now()
    overview = FamilyOverview()
    for relationship in relationships:
        row = _row(relationship, now=now)
        if relationship.status == ProxyStatus.PENDING:
            overview.pending.append(row)
        elif relationship.status == ProxyStatus.ACTIVE:
            overview.active.append(row)
        else:
            overview.ended.append(row)
    return overview


def _row(relationship: ProxyRelationship, *, now: dt.datetime) -> RelationshipRow:
    invitation = _invitation_of(relationship)
    expires_at = invitation.expires_at if invitation is not None else None
    return RelationshipRow(
        relationship=relationship,
        who=_who(relationship, invitation),
        permissions=permission_words(relationship.permissions),
        invitation_expired=bool(
            relationship.status == ProxyStatus.PENDING and expires_at and expires_at <= now
        ),
        invitation_expires_at=expires_at,
    )


def _invitation_of(relationship: ProxyRelationship) -> ProxyInvitation | None:
    try:
        return relationship.invitation
    except ProxyInvitation.DoesNotExist:
        return None


def _who(relationship: ProxyRelationship, invitation: ProxyInvitation | None) -> str:
    if relationship.proxy is not None:
        return relationship.proxy.get_full_name() or relationship.proxy.get_username()
    return invitation.email if invitation is not None else str(_("Someone not yet known"))


@dataclass(frozen=True)
class InvitationSummary:
    """What an invitee is shown before answering: who invited them, to see what."""

    invitation: ProxyInvitation
    usable: bool
    patient_name: str
    permissions: list[str]
    ends_on: dt.date | None
    reason: str


def invitation_summary(*, invitation_id: int | None) -> InvitationSummary | None:
    """The invitation kept in the invitee's session, or None when there is none."""
    if invitation_id is None:
        return None
    invitation = (
        ProxyInvitation.objects.select_related("relationship__patient")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return None
    relationship = invitation.relationship
    return InvitationSummary(
        invitation=invitation,
        usable=invitation_is_usable(invitation, now=timezone.now(), today=timezone.localdate()),
        patient_name=relationship.patient.display_name,
        permissions=permission_words(relationship.permissions),
        ends_on=relationship.ends_on,
        reason=relationship.reason,
    )


def invitation_id_for_token(*, token_hash: str) -> int | None:
    """The invitation whose link carries the token with this hash, if any."""
    return (
        ProxyInvitation.objects.filter(token_hash=token_hash).values_list("pk", flat=True).first()
    )


def relationship_who(relationship: ProxyRelationship) -> str:
    """The proxy's name, or the invited email address while no one has accepted."""
    return _who(relationship, _invitation_of(relationship))
