"""Process and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lantern.access.decorators import public

logger = logging.getLogger(__name__)


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
    """The process can reach every database it is configured with, so it can take traffic."""
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError as error:
            # The probe answers anyone, so the reason goes to the operator's log, not the body.
            logger.warning("readyz: cannot reach database %r (see DATABASE_URL): %s", alias, error)
            return HttpResponse("database unreachable\n", status=503, content_type="text/plain")
    return HttpResponse("ready\n", content_type="text/plain")
