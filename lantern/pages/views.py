"""Pages for everyone: the help centre, the accessibility statement, the privacy notice and the
error pages.

The help centre, the statement and the notice are templates (`pages/help.html`,
`pages/accessibility.html`, `pages/privacy.html`) that a clinic replaces by putting its own file
of the same name in the project's `templates/pages/`.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from lantern.access.decorators import public

from .frames import frame_layout


@public
@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pages/accessibility.html",
        {"frame_layout": frame_layout(request), "current_section": "accessibility"},
    )


@public
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pages/privacy.html",
        {"frame_layout": frame_layout(request), "current_section": "privacy"},
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's handler404, in the frame of the person asking (so their menu stays)."""
    # The language chooser comes back to the home page, never echoing the address asked for.
    context = {"frame_layout": frame_layout(request), "language_next": "/"}
    return render(request, "404.html", context, status=404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's handler403, in the frame of the person asking."""
    context = {"frame_layout": frame_layout(request), "language_next": "/"}
    return render(request, "403.html", context, status=403)


@public
@require_GET
def help_centre(request: HttpRequest) -> HttpResponse:
    """The help centre: answers to what patients ask, readable without signing in."""
    context = {
        "frame_layout": frame_layout(request),
        "current_section": "help",
        "reply_days": settings.MESSAGE_REPLY_BUSINESS_DAYS,
        "activation_code_days": settings.ACTIVATION_CODE_DAYS,
        "teen_age": settings.PROXY_TEEN_AGE,
        "adult_age": settings.PROXY_ADULT_AGE,
        "invitation_days": settings.PROXY_INVITATION_DAYS,
        "reset_link_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
    }
    return render(request, "pages/help.html", context)
