"""Staff memberships, managed by each clinic's administrators in the staff console.

An administrator (StaffRole.ADMINISTRATOR, active) of a clinic may list its staff, add an account
(an existing one, by username or confirmed email address, or a new one for an email address that
has no account yet), change a member's role, and deactivate or reactivate a membership. Nothing
here reaches another clinic: every function takes the clinic already resolved for the acting
administrator by `clinic_for_administrator`, and looks the membership up within that clinic.

Every change is a security event (MEMBERSHIP_CHANGED) about the member's account, by the
administrator, naming the changed fields, in the same transaction as the change. A clinic always
keeps at least one active administrator, so it can never lock itself out of this page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Case, IntegerField, QuerySet, Value, When

from lantern.access.models import StaffMembership, StaffRole
from lantern.accounts import selectors as account_selectors
from lantern.accounts.models import User
from lantern.accounts.services import password_reset_link
from lantern.audit.admin import changed_fields_label
from lantern.audit.models import AuditAction
from lantern.audit.services import security_event_record
from lantern.clinical.models import Organization
from lantern.core.language import language_for
from lantern.notifications.models import NotificationKind
from lantern.notifications.services import notification_send

MEMBERSHIP_OBJECT_TYPE = "staff_membership"
NEW_MEMBERSHIP_FIELDS = ("created", "organization", "role", "is_active")


class MembershipError(Exception):
    """A change the administrator asked for that cannot be made; the message says why, plainly."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


LAST_ADMINISTRATOR = (
    "The clinic needs at least one active administrator. Make someone else an administrator "
    "first, then change this one."
)
NO_ACCOUNT = (
    "No account has that username or confirmed email address. To make a new staff account, "
    "enter the person's email address."
)
ALREADY_MEMBER = "That account is already on your clinic's staff list."


# Reads.


def administered_clinics(*, user: Any) -> QuerySet[Organization]:
    """The clinics where the user is an active administrator."""
    if not (user.is_authenticated and user.is_active):
        return Organization.objects.none()
    return Organization.objects.filter(
        staff_memberships__user=user,
        staff_memberships__is_active=True,
        staff_memberships__role=StaffRole.ADMINISTRATOR,
    ).order_by("name")


def is_clinic_administrator(*, user: Any) -> bool:
    return administered_clinics(user=user).exists()


def clinic_for_administrator(*, user: Any, organization_id: Any) -> Organization | None:
    """The clinic, if the user administers it; None otherwise (the view answers 404)."""
    return administered_clinics(user=user).filter(pk=organization_id).first()


STAFF_PER_PAGE = 50


def clinic_staff(*, clinic: Organization, page_number: str | int | None = None) -> Page:
    """One page of the clinic's memberships with their accounts: active first, by name.

    A health system's clinic may have hundreds of staff, so the list is paginated; a page costs a
    count and one query whatever the size.
    """
    return Paginator(
        StaffMembership.objects.filter(organization=clinic)
        .select_related("user")
        .annotate(
            inactive_last=Case(
                When(is_active=True, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("inactive_last", "user__last_name", "user__first_name", "user__username"),
        STAFF_PER_PAGE,
    ).get_page(page_number)


# Writes.


@dataclass(frozen=True)
class MembershipAdded:
    membership: StaffMembership
    # A new account was made and emailed a link to choose its password.
    account_created: bool


def membership_add(
    *, actor: User, clinic: Organization, identifier: str, role: StaffRole
) -> MembershipAdded:
    """Add an account to the clinic's staff in `role`.

    `identifier` is a username or a confirmed email address of an existing account. An email
    address that no account has makes a new staff account (no password; it is emailed a link to
    choose one, as a password reset is). An inactive membership of that account is reactivated.
    """
    identifier = identifier.strip()
    with transaction.atomic():
        user = _account_for(identifier)
        account_created = False
        if user is None:
            if "@" not in identifier or User.objects.filter(email__iexact=identifier).exists():
                raise MembershipError(NO_ACCOUNT)
            user = _staff_account_create(actor=actor, email=identifier)
            account_created = True
        membership = (
            StaffMembership.objects.select_for_update()
            .filter(user=user, organization=clinic)
            .first()
        )
        if membership is None:
            membership = StaffMembership.objects.create(user=user, organization=clinic, role=role)
            fields: list[str] = list(NEW_MEMBERSHIP_FIELDS)
        elif membership.is_active:
            raise MembershipError(ALREADY_MEMBER)
        else:
            fields = ["is_active"] + (["role"] if membership.role != role else [])
            membership.is_active, membership.role = True, role
            membership.save(update_fields=["is_active", "role"])
        _record(actor=actor, membership=membership, fields=fields)
        if account_created:
            notification_send(
                kind=NotificationKind.PASSWORD_RESET,
                email=user.email,
                context={"link": password_reset_link(user=user)},
                dedupe_key=f"staff-account-created:{user.pk}",
                language=language_for(user),
            )
    return MembershipAdded(membership=membership, account_created=account_created)


def membership_role_change(
    *, actor: User, clinic: Organization, membership_id: Any, role: StaffRole
) -> bool:
    """Change a member's role; False if it was already that role."""
    with transaction.atomic():
        membership = _locked_membership(clinic, membership_id)
        if membership.role == role:
            return False
        if membership.role == StaffRole.ADMINISTRATOR and membership.is_active:
            _keep_an_administrator(clinic, leaving=membership)
        membership.role = role
        membership.save(update_fields=["role"])
        _record(actor=actor, membership=membership, fields=["role"])
    return True


def membership_active_set(
    *, actor: User, clinic: Organization, membership_id: Any, active: bool
) -> bool:
    """Deactivate (or reactivate) a membership; False if it already was so."""
    with transaction.atomic():
        membership = _locked_membership(clinic, membership_id)
        if membership.is_active == active:
            return False
        if not active and membership.role == StaffRole.ADMINISTRATOR:
            _keep_an_administrator(clinic, leaving=membership)
        membership.is_active = active
        membership.save(update_fields=["is_active"])
        _record(actor=actor, membership=membership, fields=["is_active"])
    return True


def _account_for(identifier: str) -> User | None:
    by_username = User.objects.filter(username=identifier).first()
    if by_username is not None:
        return by_username
    # Only a confirmed address: typing someone's address into their own account must not be
    # enough to be made staff.
    matches = list(account_selectors.users_with_verified_email(email=identifier)[:2])
    return matches[0] if len(matches) == 1 else None


def _staff_account_create(*, actor: User, email: str) -> User:
    user = User(username=email.lower(), email=email.lower())
    user.set_unusable_password()
    user.save()
    security_event_record(
        action=AuditAction.ACCOUNT_CHANGED,
        subject=user,
        actor=actor,
        object_id="created",
    )
    return user


def _locked_membership(clinic: Organization, membership_id: Any) -> StaffMembership:
    membership = (
        StaffMembership.objects.select_for_update()
        .select_related("user")
        .filter(organization=clinic, pk=membership_id)
        .first()
    )
    if membership is None:
        raise StaffMembership.DoesNotExist
    return membership


def _keep_an_administrator(clinic: Organization, *, leaving: StaffMembership) -> None:
    others = StaffMembership.objects.filter(
        organization=clinic, role=StaffRole.ADMINISTRATOR, is_active=True
    ).exclude(pk=leaving.pk)
    if not others.exists():
        raise MembershipError(LAST_ADMINISTRATOR)


def _record(*, actor: User, membership: StaffMembership, fields: list[str]) -> None:
    security_event_record(
        action=AuditAction.MEMBERSHIP_CHANGED,
        subject=membership.user,
        actor=actor,
        object_type=MEMBERSHIP_OBJECT_TYPE,
        object_id=changed_fields_label(fields),
    )
