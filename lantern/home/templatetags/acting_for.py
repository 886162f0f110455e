"""The patient side's frame when an account acts for other people: whose record is on screen,
with "Switch" beside it, and a menu that leads into that person's record as far as allowed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from lantern.access.policy import acts_for_others
from lantern.audit.models import ActorRole
from lantern.core.context_processors import ACCOUNT_NAVIGATION, PATIENT_NAVIGATION, NavItem
from lantern.home.people import section_links

register = template.Library()

# Kept on the request, so the frame asks the database once per page however often it is used.
_ACTS_FOR_OTHERS_ATTRIBUTE = "_lantern_acts_for_others"
SWITCH_HREF = "/people/"


@dataclass(frozen=True)
class RecordBanner:
    """Whose record is on screen ("" for none: the account's own pages), and where to switch."""

    name: str
    is_own: bool
    switch_href: str = SWITCH_HREF
    # The person on screen, when it is someone else's record (for "has died" and its date).
    patient: Any = None


def _acts_for_others(request: Any) -> bool:
    """Whether the account is a proxy for anyone (kept on the request): no query on a page of
    one's own record, which was read with the answer; one small query on other pages.

    Only whether to show the banner is decided here; what the account may open is decided by
    the policy on each request, so a banner left from a revocation leads only to a 404.
    """
    if not hasattr(request, _ACTS_FOR_OTHERS_ATTRIBUTE):
        access = getattr(request, "patient_access", None)
        # A page opened as someone's proxy has just been allowed by that relationship.
        acts = (access is not None and access.role == ActorRole.PROXY) or acts_for_others(
            request.user, access=access
        )
        setattr(request, _ACTS_FOR_OTHERS_ATTRIBUTE, acts)
    return getattr(request, _ACTS_FOR_OTHERS_ATTRIBUTE)


def remember_acts_for_others(request: Any, acts: bool) -> None:
    """For a view that has just read the people the account cares for: saves the frame a query."""
    setattr(request, _ACTS_FOR_OTHERS_ATTRIBUTE, acts)


@register.simple_tag(takes_context=True)
def record_banner(context: dict[str, Any]) -> RecordBanner | None:
    """The banner for an account that acts for someone else; None for everyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not _acts_for_others(request):
        return None
    access = getattr(request, "patient_access", None)
    if access is not None and access.role == ActorRole.PROXY:
        return RecordBanner(name=access.patient.display_name, is_own=False, patient=access.patient)
    return RecordBanner(name="", is_own=user.patient_id is not None)


@register.simple_tag(takes_context=True)
def patient_menu(context: dict[str, Any]) -> list[NavItem]:
    """The patient menu for this page: one's own sections; with another person's record on
    screen, the sections one may open of theirs, leading to their pages; for an account with no
    record of its own, elsewhere, only Home (the people it cares for are listed there)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    home = PATIENT_NAVIGATION[0]
    access = getattr(request, "patient_access", None)
    if access is not None and access.role == ActorRole.PROXY:
        return [home, *section_links(access)]
    if user is not None and user.is_authenticated and user.patient_id is None:
        return [home]
    return list(PATIENT_NAVIGATION)


@register.simple_tag(takes_context=True)
def account_menu(context: dict[str, Any]) -> list[NavItem]:
    """The account menu; "Family and caregivers" only for an account with its own record."""
    request = context.get("request")
    user = getattr(request, "user", None)
    has_own_record = user is not None and user.is_authenticated and user.patient_id is not None
    return [item for item in ACCOUNT_NAVIGATION if item.needs != "own_record" or has_own_record]


@register.simple_tag(takes_context=True)
def menu_variant(context: dict[str, Any]) -> str:
    """Which menus this page draws, for `frame_fragment`: "own" (an account with a record of its
    own), "no-record" (one without), or "" for someone else's record (not kept: its menu leads
    into that person's record)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    access = getattr(request, "patient_access", None)
    if access is not None and access.role == ActorRole.PROXY:
        return ""
    if user is None or not user.is_authenticated:
        return ""
    return "no-record" if user.patient_id is None else "own"
