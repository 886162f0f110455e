"""Which frame (layout) a page drawn for anyone gets: the public one, or the signed-in one.

The accessibility statement, the privacy notice and the "not found" and "cannot open" pages are
open to everyone. Someone who is signed in keeps their own navigation on them, so a wrong link is
never a dead end; someone who is not sees the public header.
"""

from __future__ import annotations

from django.http import HttpRequest

from lantern.access import policy
from lantern.access.decorators import is_fully_signed_in
from lantern.audit.models import ActorRole

PUBLIC_LAYOUT = "layouts/public.html"
PATIENT_LAYOUT = "layouts/patient.html"
STAFF_LAYOUT = "layouts/staff.html"


def frame_layout(request: HttpRequest) -> str:
    """The layout for a page anyone may see, for the person asking.

    Staff get the console's frame on console addresses and on a patient's record opened from the
    console, and everywhere when their account has no patient record of its own.
    """
    user = getattr(request, "user", None)
    # Without a session cookie this reads nothing from the database: the anonymous "not found"
    # page works while the database is down.
    if user is None or not is_fully_signed_in(user):
        return PUBLIC_LAYOUT
    access = getattr(request, "patient_access", None)
    if access is not None and access.role == ActorRole.STAFF:
        return STAFF_LAYOUT
    console = request.path.startswith("/staff/") or user.patient_id is None
    if console and policy.is_staff_member(user):
        return STAFF_LAYOUT
    return PATIENT_LAYOUT
