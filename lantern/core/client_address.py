"""The address a request came from: the one place that decides it.

Sign-in locks (django-axes, through AXES_CLIENT_IP_CALLABLE), rate limits, sign-in records and
the audit trail all ask `client_ip(request)`, so they can never disagree about who is who.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or None if it is not known.

    Without BEHIND_PROXY the X-Forwarded-For header is whatever the client chose to send, so only
    the connection's own address (REMOTE_ADDR) counts. Behind proxies, each trusted proxy appends
    the address it was reached from, so the client is TRUSTED_PROXY_COUNT entries from the right;
    anything further left was written by the client and may be forged.
    """
    remote = _valid(request.META.get("REMOTE_ADDR", ""))
    if not settings.BEHIND_PROXY:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    trusted = max(1, settings.TRUSTED_PROXY_COUNT)
    if len(hops) < trusted:
        # Fewer entries than trusted proxies: the request skipped a proxy, so the header's
        # leftmost entry is still one a trusted proxy wrote.
        return _valid(hops[0]) or remote if hops else remote
    return _valid(hops[-trusted]) or remote


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
