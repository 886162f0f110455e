"""Pages for everyone: the accessibility statement, the privacy notice and the error pages.

The statement and the notice are templates (`pages/accessibility.html`, `pages/privacy.html`) that
a clinic replaces by putting its own file of the same name in the project's `templates/pages/`.
"""

from __future__ import annotations

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
    return render(request, "404.html", {"frame_layout": frame_layout(request)}, status=404)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's handler403, in the frame of the person asking."""
    return render(request, "403.html", {"frame_layout": frame_layout(request)}, status=403)
