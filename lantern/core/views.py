"""Process and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lantern.access.decorators import public


@public
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive and serving requests; touches nothing else."""
    return HttpResponse("ok\n", content_type="text/plain")


@public
@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """The process can reach its database, so it can take traffic."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unreachable\n", status=503, content_type="text/plain")
    return HttpResponse("ready\n", content_type="text/plain")
