"""SMART discovery, a person's connected apps and the clinic's app registry.

Both discovery addresses are here, `/.well-known/smart-configuration` and the FHIR base's
`/fhir/r4/.well-known/smart-configuration`; config/urls.py includes this module before the FHIR
API's own urls, so the second one is answered here.
"""

from __future__ import annotations

from django.urls import path

from lantern.fhir_api import app_views, smart_views

app_name = "smart"

urlpatterns = [
    path(
        ".well-known/smart-configuration",
        smart_views.smart_configuration,
        name="smart_configuration",
    ),
    path(
        "fhir/r4/.well-known/smart-configuration",
        smart_views.smart_configuration,
        name="fhir_smart_configuration",
    ),
    path("account/apps/", app_views.connected_apps, name="connected_apps"),
    path(
        "account/apps/<uuid:authorization_id>/disconnect/",
        app_views.connected_app_disconnect,
        name="connected_app_disconnect",
    ),
    path("staff/apps/", app_views.registered_app_list, name="staff_apps"),
    path(
        "staff/apps/<str:client_id>/switch/",
        app_views.registered_app_switch,
        name="staff_app_switch",
    ),
]
