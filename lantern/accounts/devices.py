"""Plain descriptions of where a request comes from: the device and the approximate place.

No network and no address database are needed. Private addresses say so; public ones are shown
with their last part hidden. If settings.GEOIP_PATH names a GeoLite2 City database and the
`geoip2` package is installed, the city and country are shown instead.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
from typing import Any

from django.conf import settings
from user_agents import parse as parse_user_agent

logger = logging.getLogger(__name__)

PRIVATE_NETWORK = "On a private network"
UNKNOWN_PLACE = "Unknown place"
UNKNOWN_DEVICE = "Unknown device"


def device_label(user_agent: str) -> str:
    """ "Firefox on Windows", "Mobile Safari on iOS (iPhone)"; never the raw header."""
    if not user_agent:
        return UNKNOWN_DEVICE
    agent = parse_user_agent(user_agent)
    browser = agent.browser.family if agent.browser.family != "Other" else ""
    system = agent.os.family if agent.os.family != "Other" else ""
    if not browser and not system:
        return UNKNOWN_DEVICE
    label = f"{browser or 'A browser'} on {system}" if system else browser
    if agent.is_mobile or agent.is_tablet:
        device = agent.device.family
        if device and device not in {"Other", "Generic Smartphone", "Generic Tablet"}:
            label = f"{label} ({device})"
    return label[:200]


@functools.cache
def _geoip_reader(path: str) -> Any:
    try:
        import geoip2.database
    except ImportError:
        logger.warning("GEOIP_PATH is set but the geoip2 package is not installed.")
        return None
    try:
        return geoip2.database.Reader(path)
    except (OSError, ValueError) as error:
        logger.warning("Cannot open the GeoIP database named by GEOIP_PATH: %s", error)
        return None


def _city_and_country(address: str) -> str | None:
    if not settings.GEOIP_PATH:
        return None
    reader = _geoip_reader(settings.GEOIP_PATH)
    if reader is None:
        return None
    try:
        found = reader.city(address)
    except Exception:  # an unknown address or a damaged database: no city
        return None
    parts = [part for part in (found.city.name, found.country.name) if part]
    return ", ".join(parts) or None


def approximate_place(ip_address: str | None) -> str:
    if not ip_address:
        return UNKNOWN_PLACE
    try:
        address = ipaddress.ip_address(ip_address)
    except ValueError:
        return UNKNOWN_PLACE
    if address.is_private or address.is_loopback or address.is_link_local:
        return PRIVATE_NETWORK
    place = _city_and_country(str(address))
    if place:
        return place
    if address.version == 4:
        first_three = str(address).split(".")[:3]
        return f"Internet address {'.'.join(first_three)}.x"
    groups = address.exploded.split(":")[:3]
    return f"Internet address {':'.join(group.lstrip('0') or '0' for group in groups)}:x"
