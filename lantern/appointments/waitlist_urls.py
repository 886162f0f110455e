"""The waitlist's pages, included by lantern/appointments/urls.py (names in its namespace)."""

from django.urls import path

from . import waitlist_views

urlpatterns = [
    path(
        "patients/<uuid:patient_id>/appointments/<uuid:appointment_id>/waitlist/",
        waitlist_views.waitlist_change,
        name="waitlist",
    ),
    path(
        "patients/<uuid:patient_id>/appointments/offers/<uuid:offer_id>/",
        waitlist_views.waitlist_offer,
        name="waitlist_offer",
    ),
]
