"""Reads for support requests: what a staff member may see is their own clinics' requests."""

from __future__ import annotations

from django.db.models import QuerySet

from lantern.access.policy import staff_organizations, user_shape, user_template, user_values
from lantern.clinical.models import Organization
from lantern.core.statements import Statement, StatementRows
from lantern.enrollment.selectors import clinics_accepting_sign_ups

from .models import SupportRequest, SupportRequestStatus


def clinics_taking_support_requests() -> QuerySet[Organization]:
    """The clinics a person may write to: active ones with active staff to read the request."""
    return clinics_accepting_sign_ups()


def support_requests_visible_to(user) -> QuerySet[SupportRequest]:
    """The requests sent to a clinic the user is active staff of (none for anyone else)."""
    if not (user is not None and user.is_authenticated and user.is_active):
        return SupportRequest.objects.none()
    return SupportRequest.objects.filter(organization_id__in=staff_organizations(user))


def support_requests_for_staff(*, user) -> QuerySet[SupportRequest]:
    """Open requests first, the longest waiting first; then closed ones, newest first."""
    # One query with the clinic's name; ordering open ones oldest first keeps the queue fair.
    open_requests = support_requests_visible_to(user).filter(status=SupportRequestStatus.OPEN)
    return open_requests.select_related("organization").order_by("created_at", "pk")


def closed_support_requests_for_staff(*, user) -> QuerySet[SupportRequest]:
    return (
        support_requests_visible_to(user)
        .filter(status=SupportRequestStatus.CLOSED)
        .select_related("organization", "closed_by")
        .order_by("-closed_at", "pk")
    )


# The console home's count, built once per process (lantern/core/statements.py).
_OPEN = Statement(
    lambda *user: support_requests_visible_to(user_template(*user)).filter(
        status=SupportRequestStatus.OPEN
    )
)


def support_requests_open_count(*, user) -> int:
    return _OPEN.count(user_shape(user), **user_values(user))


def _listed(closed: bool, *user) -> QuerySet[SupportRequest]:
    account = user_template(*user)
    if closed:
        return closed_support_requests_for_staff(user=account)
    return support_requests_for_staff(user=account)


# The lists' pages and counts, built once per process for each shape (open or closed, the
# account's shape, a page's bounds).
_LISTED = Statement(_listed)
_LISTED_SLICE = Statement(lambda start, stop, *shape: _listed(*shape)[start:stop])


def support_requests_rows(*, user, closed: bool) -> StatementRows:
    """The open (or closed) requests as a paginator reads them: a count and each page."""
    return StatementRows(_LISTED_SLICE, _LISTED, (closed, *user_shape(user)), **user_values(user))


def support_request_get(*, user, request_id) -> SupportRequest | None:
    """One request of the user's clinics; None for any other id (the view answers 404)."""
    return (
        support_requests_visible_to(user)
        .select_related("organization", "closed_by")
        .filter(pk=request_id)
        .first()
    )
