"""The installable app: its web manifest, its service worker and the page shown offline.

All three are public and hold nothing about anyone. The worker (`templates/webapp/sw.js`) keeps
only static files and the offline page in the browser's cache, never a page of the portal: every
signed-in page is `no-store` (lantern.core.headers), and the worker passes them by.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from lantern.access.decorators import public
from lantern.core.context_processors import FOOTER_NAVIGATION

# What the worker stores when it is installed, so the offline page can be drawn with no network:
# the page's own styles and scripts and the app's icons.
PRECACHED_STATIC = (
    "vendor/uswds/dist/css/uswds.min.css",
    "css/lantern.css",
    "vendor/uswds/dist/js/uswds-init.min.js",
    "vendor/uswds/dist/js/uswds.min.js",
    "vendor/htmx/htmx.min.js",
    "js/forms.js",
    "js/focus-trap.js",
    "webapp/app.js",
    "webapp/icon-192.png",
    "webapp/icon-512.png",
)


@public
@require_GET
@cache_control(no_cache=True)
def manifest(request: HttpRequest) -> JsonResponse:
    """The web manifest: the clinic's names, its colour, where the app opens, and its icons."""
    data = {
        "id": "/",
        "name": settings.CLINIC_NAME,
        "short_name": settings.CLINIC_SHORT_NAME,
        "description": gettext("The patient portal of %(clinic)s.")
        % {"clinic": settings.CLINIC_NAME},
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": settings.THEME_COLOR,
        "background_color": "#ffffff",
        "icons": [
            {"src": static("webapp/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("webapp/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("webapp/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"indent": 2})
    response["Content-Type"] = "application/manifest+json"
    return response


@public
@require_GET
@cache_control(no_cache=True)
def service_worker(request: HttpRequest) -> HttpResponse:
    """The worker's script, at the site's root so that its scope is the whole portal.

    `no-cache`: the browser checks for a new worker each time (the static files it lists change
    names when they change), so an update reaches everyone at their next visit.
    """
    precache = [static(path) for path in PRECACHED_STATIC]
    offline_url = reverse("webapp:offline")
    version = hashlib.sha256(json.dumps([precache, offline_url]).encode()).hexdigest()[:16]
    script = render_to_string(
        "webapp/sw.js",
        {
            "cache_name": json.dumps(f"lantern-static-{version}"),
            "precache": json.dumps(precache),
            "offline_url": json.dumps(offline_url),
            "static_prefix": json.dumps(settings.STATIC_URL),
        },
    )
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    # The worker's scope is "/" because it is served from "/"; the header says so explicitly.
    response["Service-Worker-Allowed"] = "/"
    return response


@public
@require_GET
def offline(request: HttpRequest) -> HttpResponse:
    """The page the worker shows when a page cannot be loaded for want of a network.

    Drawn without the request on purpose: no session, no CSRF token, no name, nothing of whoever
    happened to be signed in when the worker stored it.
    """
    html = render_to_string(
        "webapp/offline.html",
        {
            "clinic_name": settings.CLINIC_NAME,
            "emergency_number": settings.EMERGENCY_NUMBER,
            "footer_navigation": FOOTER_NAVIGATION,
        },
    )
    return HttpResponse(html)
