"""A URL configuration for the middleware tests: stand-in pages under the real addresses, so the
tests do not depend on other apps' views, plus the real admin and second-factor pages."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from lantern.access.decorators import patient_view, public, signed_in, signing_in, staff_view
from lantern.access.models import Section


@signed_in
def account_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("account settings")


@staff_view
def staff_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("staff console")


@patient_view(section=Section.RECORD)
def record_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("health record")


@public
def public_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("security tips")


@signing_in
def sign_out_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("signed out")


accounts_patterns = (
    [
        path("signin/", public_page, name="sign_in"),
        path("account/confirm-password/", public_page, name="confirm_password"),
    ],
    "accounts",
)

urlpatterns = [
    path("account/", account_page),
    path("staff/", staff_page),
    path("patients/<uuid:patient_id>/record/", record_page),
    path("security-tips/", public_page),
    path("signout/", sign_out_page),
    path("", include(accounts_patterns)),
    path("", include(([path("", public_page, name="home")], "home"))),
    path("two-factor/", include("lantern.mfa.urls")),
    path("admin/", admin.site.urls),
]
