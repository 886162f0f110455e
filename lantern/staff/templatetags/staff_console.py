"""Template tags of the staff console's frame."""

from __future__ import annotations

from typing import Any

from django import template

from lantern.access.models import StaffRole
from lantern.access.policy import INTERFACE_QUEUE_ROLES, sections_of_roles, staff_roles
from lantern.staff.memberships import is_clinic_administrator

register = template.Library()

# Kept on the request, so the frame asks the database once per page however often it is used.
_ADMINISTRATOR_ATTRIBUTE = "_lantern_is_clinic_administrator"


@register.simple_tag(takes_context=True)
def administers_a_clinic(context: dict[str, Any]) -> bool:
    """Whether the signed-in user is an active administrator of a clinic (the "Staff list"
    entry of the console's navigation is shown only to them)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if hasattr(request, "staff_roles"):
        # A console page (`staff_view`) has read the roles already.
        return StaffRole.ADMINISTRATOR in request.staff_roles
    if not hasattr(request, _ADMINISTRATOR_ATTRIBUTE):
        setattr(request, _ADMINISTRATOR_ATTRIBUTE, is_clinic_administrator(user=request.user))
    return getattr(request, _ADMINISTRATOR_ATTRIBUTE)


@register.simple_tag(takes_context=True)
def staff_entries(context: dict[str, Any], entries: Any) -> list[Any]:
    """The console's navigation entries this staff member's role opens (asked once a page)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return [entry for entry in entries if not entry.needs]
    if not hasattr(request, "staff_sections"):
        # A page outside `staff_view` (the account pages in the console's frame) asks here.
        request.staff_roles = staff_roles(user)
        request.staff_sections = sections_of_roles(request.staff_roles)
    sections = request.staff_sections
    # The HL7 v2 error queue goes by role, not by a section of records.
    roles = getattr(request, "staff_roles", frozenset())
    opens = set(sections) | ({"interface"} if roles & INTERFACE_QUEUE_ROLES else set())
    return [entry for entry in entries if not entry.needs or entry.needs in opens]


@register.simple_tag(takes_context=True)
def staff_menu_variant(context: dict[str, Any]) -> str:
    """Which console menu this page draws, for `frame_fragment`: the roles a console page has
    read (they decide the entries and "Staff list") and whether the account runs the
    deployment ("Admin"); "" on pages that have not read the roles (drawn each time)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    roles = getattr(request, "staff_roles", None)
    if user is None or not user.is_authenticated or roles is None:
        return ""
    return f"{','.join(sorted(roles))}|{'superuser' if user.is_superuser else 'staff'}"
