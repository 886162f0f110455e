"""Deny by default: every route names its access rule, and every patient route uses the policy.

The walker goes through the whole URL configuration. Django's own admin is exempt: its views are
guarded by the admin site (staff only) and are not ours to decorate. A view that Lantern adds to
the admin is not exempt.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, include, path, re_path

from lantern.access.decorators import ACCESS_RULE_ATTRIBUTE, patient_view, public

ADMIN_APP_NAME = "admin"


@dataclass(frozen=True)
class Route:
    pattern: str
    view: str
    module: str
    rule: str | None
    in_admin_site: bool

    def __str__(self) -> str:
        return f"{self.pattern!r} -> {self.view} (rule: {self.rule})"


def walk(
    patterns: Iterable[URLPattern | URLResolver], prefix: str = "", in_admin_site: bool = False
) -> Iterator[Route]:
    """Every route in a URL configuration, with its full pattern and its view's access rule."""
    for entry in patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inside_admin = in_admin_site or entry.app_name == ADMIN_APP_NAME
            yield from walk(entry.url_patterns, pattern, inside_admin)
            continue
        callback = entry.callback
        yield Route(
            pattern=pattern,
            view=f"{callback.__module__}.{getattr(callback, '__qualname__', repr(callback))}",
            module=callback.__module__ or "",
            rule=getattr(callback, ACCESS_RULE_ATTRIBUTE, None),
            in_admin_site=in_admin_site,
        )


def is_djangos_own_admin(route: Route) -> bool:
    # The admin site also mounts a few views from other Django modules (the content-type
    # shortcut, a redirect, the user admin's password form, and third-party apps' admin pages);
    # inside the admin site every view that is not Lantern's own is the admin's, guarded by the
    # admin site (staff only) and by the second-factor middleware.
    if route.module.startswith("django.contrib.admin"):
        return True
    return route.in_admin_site and not route.module.startswith("lantern.")


def routes_without_a_rule(routes: Iterable[Route]) -> list[Route]:
    return [route for route in routes if route.rule is None and not is_djangos_own_admin(route)]


def patient_routes_without_the_patient_rule(routes: Iterable[Route]) -> list[Route]:
    return [route for route in routes if "patient_id" in route.pattern and route.rule != "patient"]


def _listing(routes: list[Route]) -> str:
    return "\n".join(f"  {route}" for route in routes)


# The whole URL configuration.


def test_every_view_names_its_access_rule():
    routes = list(walk(get_resolver().url_patterns))
    offenders = routes_without_a_rule(routes)

    assert not offenders, (
        "These views name no access rule; decorate them with lantern.access.decorators "
        f"(public, patient_view, ...):\n{_listing(offenders)}"
    )


def test_every_route_with_a_patient_id_resolves_it_through_the_policy():
    routes = list(walk(get_resolver().url_patterns))
    offenders = patient_routes_without_the_patient_rule(routes)

    assert not offenders, (
        "These routes take a patient_id but do not resolve it through the access policy; "
        f"decorate them with lantern.access.decorators.patient_view:\n{_listing(offenders)}"
    )


def test_the_walk_reaches_the_probes_and_the_admin_site():
    # Guards against a walker that silently finds nothing and so passes everything.
    routes = list(walk(get_resolver().url_patterns))
    patterns = {route.pattern for route in routes}

    assert {"healthz", "readyz"} <= patterns
    assert any(route.in_admin_site for route in routes)


# The checkers catch offenders in a hand-built configuration.


def _undecorated(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("open to anyone by accident")


@public
def _decorated(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("ok")


@patient_view()
def _patient_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def _pretend_to_be_from(module: str):
    def view(request: HttpRequest, **kwargs: object) -> HttpResponse:
        return HttpResponse("ok")

    view.__module__ = module
    return view


HAND_BUILT = [
    path("open/", _decorated),
    path("forgot/", _undecorated),
    path(
        "patients/<uuid:patient_id>/",
        include(
            [
                path("record/", _patient_page),
                path("notes/", _decorated),
                re_path(r"^legacy/$", _undecorated),
            ]
        ),
    ),
    re_path(r"^old/(?P<patient_id>[0-9a-f-]+)/$", _decorated),
    path(
        "admin/",
        include(
            (
                [
                    path("", _pretend_to_be_from("django.contrib.admin.sites")),
                    path("r/", _pretend_to_be_from("django.contrib.contenttypes.views")),
                    path("report/", _undecorated),
                ],
                ADMIN_APP_NAME,
            )
        ),
    ),
    path("elsewhere/", _pretend_to_be_from("django.contrib.contenttypes.views")),
]


def test_the_walker_catches_views_without_a_rule_at_any_depth():
    offenders = {route.pattern for route in routes_without_a_rule(walk(HAND_BUILT))}

    assert offenders == {
        "forgot/",
        "patients/<uuid:patient_id>/^legacy/$",
        # A Lantern view inside the admin site is not exempt.
        "admin/report/",
        # A Django view outside the admin site is not exempt either.
        "elsewhere/",
    }


def test_the_walker_catches_patient_routes_without_the_patient_rule():
    offenders = {
        route.pattern for route in patient_routes_without_the_patient_rule(walk(HAND_BUILT))
    }

    assert offenders == {
        "patients/<uuid:patient_id>/notes/",
        "patients/<uuid:patient_id>/^legacy/$",
        "^old/(?P<patient_id>[0-9a-f-]+)/$",
    }


def test_the_offender_listing_names_each_view():
    offenders = routes_without_a_rule(walk([path("forgot/", _undecorated)]))

    assert f"{__name__}._undecorated" in _listing(offenders)
