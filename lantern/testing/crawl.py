"""Every page a person can reach by following links, for the tests that walk the whole site.

`crawl(client, starts)` starts where a kind of person starts (the sign-in page and the home page
for someone not signed in, the home page for a patient, the console for staff and for a clinic's
administrator), collects every same-site `<a href>` of each HTML page, follows redirects and
links breadth-first up to MAX_PAGES pages, and records each address's status and the page that
linked to it. Sign-out is a form, not a link, and is never followed; nor is Django's own admin,
which a clinic does not need every day.

The personas' data comes from here too, so every walk sees the same site: `give_a_full_record`
puts something in every part of a patient's record (so its pages link to their items), and
`clinic_administrator_of` makes a clinic's administrator.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.test import Client
from django.urls import Resolver404, resolve

from lantern.access.models import StaffRole
from lantern.core.context_processors import SIGN_OUT_HREF

from .factories import (
    AllergyFactory,
    ConditionFactory,
    ImmunizationFactory,
    MedicationRequestFactory,
    ObservationFactory,
    StaffMembershipFactory,
    UserFactory,
)
from .records import patient_objects

MAX_PAGES = 300
HOST = "testserver"
ADMIN_PATH = "/admin/"
REDIRECTS = (301, 302, 303, 307, 308)


class Links(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def same_site_address(href: str, page: str) -> str | None:
    """The path and query `href` leads to from `page`, or None if it is not a page to follow."""
    url = urlsplit(urljoin(f"http://{HOST}{page}", href))
    if url.scheme not in ("http", "https") or url.netloc != HOST:
        return None
    if url.path.startswith(settings.STATIC_URL) or url.path == SIGN_OUT_HREF:
        return None
    return url.path + (f"?{url.query}" if url.query else "")


@dataclass
class Crawl:
    # Each address visited and its status code, in the order visited.
    visited: dict[str, int] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)
    # The addresses that answered 200 with an HTML page.
    pages: list[str] = field(default_factory=list)


def route_of(address: str) -> str:
    """The name of the route answering `address` (`namespace:name`), or "(no route)"."""
    try:
        return resolve(urlsplit(address).path).view_name
    except Resolver404:
        return "(no route)"


def crawl(
    client: Client, starts: list[str], *, max_pages: int = MAX_PAGES, per_route: int | None = None
) -> Crawl:
    """Every page reachable from `starts`; with `per_route`, only the first that many addresses
    of each route met (a list of a hundred results leads to two of them, not a hundred)."""
    result = Crawl()
    queue: deque[tuple[str, str]] = deque((start, "(start)") for start in starts)
    queued = set(starts)
    per_route_queued = Counter(route_of(start) for start in starts)

    def follow(href: str, source: str) -> None:
        address = same_site_address(href, source)
        if address is None or address in queued:
            return
        if per_route is not None:
            route = route_of(address)
            if per_route_queued[route] >= per_route:
                return
            per_route_queued[route] += 1
        queued.add(address)
        queue.append((address, source))

    while queue and len(result.visited) < max_pages:
        address, source = queue.popleft()
        response = client.get(address)
        result.visited[address] = response.status_code
        if response.status_code == 404 or response.status_code >= 500:
            result.broken.append(f"{address} ({response.status_code}), linked from {source}")
        elif response.status_code in REDIRECTS:
            follow(response["Location"], address)
        elif response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            result.pages.append(address)
            for href in Links(response.content.decode()).hrefs:
                follow(href, address)
    return result


def lantern_pages(result: Crawl) -> list[str]:
    """The HTML pages of a crawl that Lantern draws (Django's own admin left out)."""
    return [address for address in result.pages if not address.startswith(ADMIN_PATH)]


def give_a_full_record(user):
    """Something in every part of `user`'s patient's record, so its pages link to their items."""
    patient = user.patient
    patient_objects(user)
    ObservationFactory(patient=patient, code="29463-7", category="vital-signs")
    ConditionFactory(patient=patient)
    MedicationRequestFactory(patient=patient)
    AllergyFactory(patient=patient)
    ImmunizationFactory(patient=patient)
    return user


def clinic_administrator_of(clinic, username: str = "ada"):
    user = UserFactory(username=username, is_staff=True)
    StaffMembershipFactory(user=user, organization=clinic, role=StaffRole.ADMINISTRATOR)
    return user
