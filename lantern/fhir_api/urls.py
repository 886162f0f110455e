"""The FHIR R4 REST API, mounted at /fhir/r4/ (config/urls.py)."""

from __future__ import annotations

from django.urls import path, re_path

from . import views

app_name = "fhir_api"

# Resource type names start with a capital letter, so `.well-known/...` under the base is never
# taken for a type.
TYPE = r"(?P<type_name>[A-Z][A-Za-z]{1,63})"
ID = r"(?P<resource_id>[A-Za-z0-9\-.]{1,64})"

urlpatterns = [
    path("", views.metadata, name="base"),
    path("metadata", views.metadata, name="metadata"),
    re_path(rf"^Patient/{ID}/\$everything$", views.patient_everything_view, name="everything"),
    re_path(rf"^{TYPE}/{ID}$", views.resource_read_view, name="read"),
    re_path(rf"^{TYPE}$", views.resource_search_view, name="search"),
]
