"""What every page needs to draw its frame: the clinic, its emergency number and the navigation.

The processor reads only settings and the request path, never the database or the session, so the
404 page (which Django renders with it) works even when the database is down.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lantern.audit.models import ActorRole


@dataclass(frozen=True)
class NavItem:
    """One entry in a navigation menu.

    `section` is the key a view passes as `current_section` to mark the entry as the page's
    section; without it, the entry whose `href` is the longest prefix of the path is marked.
    """

    # Patient and footer entries are translated when drawn (gettext_lazy); staff ones stay English.
    label: str | Promise
    href: str
    section: str
    # The section of patients' records the entry's page shows; it is listed only to those whose
    # access opens it (the front desk has no results queue; a proxy sees what they were given).
    needs: str = ""
    # For a patient entry: its address under /patients/<id>/, used when someone acting for
    # another person has that person's record on screen.
    patient_path: str = ""


# The labels are marked for translation (lantern/core/locale) and drawn in the page's language.
# The addresses are written out rather than reversed so that the frame never needs the URL
# configuration (the error pages draw it too). A section is listed only once its pages exist:
# a menu item that leads to "Page not found" is a dead end, and a test follows every link.
PATIENT_NAVIGATION: tuple[NavItem, ...] = (
    NavItem(_("Home"), "/", "home"),
    NavItem(_("Results"), "/results/", "results", needs="results", patient_path="results/"),
    NavItem(_("Messages"), "/messages/", "messages", needs="messages", patient_path="messages/"),
    NavItem(
        _("Appointments"),
        "/appointments/",
        "appointments",
        needs="appointments",
        patient_path="appointments/",
    ),
    NavItem(
        _("Medications"),
        "/medications/",
        "medications",
        needs="medications",
        patient_path="record/medications/",
    ),
    NavItem(_("Health record"), "/record/", "record", needs="record", patient_path="record/"),
)

# Sign out is not listed: it is a POST form (see `sign_out_href`), never a link.
ACCOUNT_NAVIGATION: tuple[NavItem, ...] = (
    NavItem(_("Settings"), "/account/", "settings"),
    # Only an account with a record of its own gives others access to it.
    NavItem(_("Family and caregivers"), "/account/family/", "family", needs="own_record"),
    NavItem(_("Notifications"), "/account/notifications/", "notifications"),
    NavItem(_("Connected apps"), "/account/apps/", "connected-apps"),
    NavItem(_("Two-step verification"), "/two-factor/", "security"),
    NavItem(_("Help"), "/help/", "help"),
)
SIGN_OUT_HREF = "/signout/"

STAFF_NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Queues", "/staff/", "queues"),
    NavItem("Messages", "/staff/messages/", "messages"),
    NavItem("Patients", "/staff/patients/", "patients"),
    NavItem("Schedule", "/staff/schedule/", "schedule", needs="appointments"),
    NavItem("Enrollment requests", "/staff/enrollment-requests/", "enrollment"),
    NavItem("Results on hold", "/staff/results-on-hold/", "results-on-hold", needs="results"),
    NavItem("Refills", "/staff/refills/", "refills", needs="medications"),
    # What people wrote on the help centre's "Contact support" form (lantern/support).
    NavItem("Support requests", "/staff/support/", "support"),
    # Not a section of records but a role (administrators and clinical staff): see
    # `staff_entries` and policy.INTERFACE_QUEUE_ROLES.
    NavItem("Interface errors", "/staff/interface/", "interface", needs="interface"),
    # Staff keep their own account too: password, email, second steps and passkeys. Those pages
    # wear the console's frame for staff (accounts and mfa views choose the layout).
    NavItem("Your account", "/account/", "settings"),
    NavItem("Two-step verification", "/two-factor/", "security"),
)
# Django's admin opens only for superusers (the people who run the deployment); the staff layout
# shows this entry to them alone, so clinic staff are never sent to a "not found" page.
ADMIN_NAVIGATION = NavItem("Admin", "/admin/", "admin")

FOOTER_NAVIGATION: tuple[NavItem, ...] = (
    NavItem(_("Help"), "/help/", "help"),
    NavItem(_("Security tips"), "/security-tips/", "security-tips"),
    NavItem(_("Accessibility"), "/accessibility/", "accessibility"),
    NavItem(_("Privacy"), "/privacy/", "privacy"),
)


def section_for_path(path: str, items: tuple[NavItem, ...]) -> str:
    """The section of the entry whose address is the longest prefix of `path` ("" if none).

    The home entry ("/") matches only the home page itself, or every page would be "Home".
    """
    best = ""
    best_length = 0
    for item in items:
        matches = path == item.href if item.href == "/" else path.startswith(item.href)
        if matches and len(item.href) > best_length:
            best, best_length = item.section, len(item.href)
    return best


def portal(request: HttpRequest) -> dict[str, Any]:
    """Template variables for the page frame (layouts/*.html)."""
    path = request.path
    whose = _whose(request)
    return {
        "clinic_name": settings.CLINIC_NAME,
        "emergency_number": settings.EMERGENCY_NUMBER,
        "theme_color": settings.THEME_COLOR,
        "patient_navigation": PATIENT_NAVIGATION,
        "account_navigation": ACCOUNT_NAVIGATION,
        "staff_navigation": STAFF_NAVIGATION,
        "admin_navigation": ADMIN_NAVIGATION,
        "footer_navigation": FOOTER_NAVIGATION,
        "sign_out_href": SIGN_OUT_HREF,
        # Patient pages opened by staff (from the console) keep the staff console's frame.
        "page_layout": _page_layout(request),
        # Whose record a heading names: "Your" for the patient, "Alice Adams's" for staff;
        # `whose_lower` is the same inside a sentence ("your" / "Alice Adams's").
        "whose": whose,
        "whose_lower": "your" if whose == "Your" else whose,
        # A patient's page opened by staff: sentences speak about the patient, not to them.
        "staff_viewing": _staff_viewing(request),
        # A view that passes its own `current_section` wins: view context overrides processors.
        "current_section": section_for_path(
            path, PATIENT_NAVIGATION + ACCOUNT_NAVIGATION + STAFF_NAVIGATION
        ),
    }


def _staff_viewing(request: HttpRequest) -> bool:
    access = getattr(request, "patient_access", None)
    return access is not None and access.role == ActorRole.STAFF


def _page_layout(request: HttpRequest) -> str:
    return "layouts/staff.html" if _staff_viewing(request) else "layouts/patient.html"


def _whose(request: HttpRequest) -> str:
    # Staff, and a proxy acting for someone, read about the patient by name.
    access = getattr(request, "patient_access", None)
    if access is not None and access.role in (ActorRole.STAFF, ActorRole.PROXY):
        return f"{access.patient.display_name}'s"
    return "Your"
