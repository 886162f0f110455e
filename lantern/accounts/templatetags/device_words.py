"""`device_words` and `place_words`: a device's and a place's description in the page's language.

Sessions, sign-ins and trusted browsers keep their description as it was written then, in
English ("Firefox on Windows", "On a private network"; see lantern/accounts/devices.py). These
filters say the same in the active language; browser, system and city names stay as they are.
"""

from __future__ import annotations

import re

from django import template
from django.utils.translation import gettext as _

from ..devices import PRIVATE_NETWORK, UNKNOWN_DEVICE, UNKNOWN_PLACE

register = template.Library()

_DEVICE = re.compile(r"^(?P<browser>.+?) on (?P<system>.+?)(?: \((?P<device>[^()]+)\))?$")
_ADDRESS = re.compile(r"^Internet address (?P<address>\S+)$")
UNKNOWN_BROWSER = "Unknown browser"
A_BROWSER = "A browser"


@register.filter
def device_words(label: str | None) -> str:
    """ "Firefox on Windows" -> "Firefox en Windows" in Spanish; unknown ones in words."""
    label = label or ""
    if label == UNKNOWN_DEVICE:
        return _("Unknown device")
    if label == UNKNOWN_BROWSER:
        return _("Unknown browser")
    match = _DEVICE.match(label)
    if match is None:
        return label
    browser = match["browser"]
    if browser == A_BROWSER:
        browser = _("A browser")
    words = _("%(browser)s on %(system)s") % {"browser": browser, "system": match["system"]}
    return f"{words} ({match['device']})" if match["device"] else words


@register.filter
def place_words(place: str | None) -> str:
    """ "On a private network", "Unknown place" and "Internet address 203.0.113.x" in words."""
    place = place or ""
    if place == PRIVATE_NETWORK:
        return _("On a private network")
    if place == UNKNOWN_PLACE:
        return _("Unknown place")
    match = _ADDRESS.match(place)
    if match is not None:
        return _("Internet address %(address)s") % {"address": match["address"]}
    return place
