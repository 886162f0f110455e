"""The FHIR R4 REST API, mounted at /fhir/r4/ (config/urls.py)."""

from __future__ import annotations

from django.urls import path, register_converter

from . import views


class ResourceTypeConverter:
    """A FHIR resource type name: a capital letter, then letters (so `.well-known/...` under the
    base is never taken for a type)."""

    regex = "[A-Z][A-Za-z]{1,63}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ResourceIdConverter:
    """A FHIR id: letters, digits, `-` and `.`, at most 64."""

    regex = "[A-Za-z0-9.-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ResourceTypeConverter, "fhir_type")
register_converter(ResourceIdConverter, "fhir_id")

app_name = "fhir_api"

urlpatterns = [
    path("", views.metadata, name="base"),
    path("metadata", views.metadata, name="metadata"),
    path(
        "Patient/<fhir_id:resource_id>/$everything",
        views.patient_everything_view,
        name="everything",
    ),
    path("<fhir_type:type_name>/<fhir_id:resource_id>", views.resource_read_view, name="read"),
    path("<fhir_type:type_name>", views.resource_search_view, name="search"),
]
