from django.urls import path

from . import staff_views, views

app_name = "refills"

urlpatterns = [
    path(
        "patients/<uuid:patient_id>/medications/refill/",
        views.refill_request,
        name="request",
    ),
    path(
        "patients/<uuid:patient_id>/medications/refills/<uuid:refill_id>/",
        views.refill_detail,
        name="detail",
    ),
    path("staff/refills/", staff_views.queue, name="queue"),
    path("staff/refills/<uuid:refill_id>/", staff_views.detail, name="staff_detail"),
    path("staff/refills/<uuid:refill_id>/approve/", staff_views.approve, name="approve"),
    path("staff/refills/<uuid:refill_id>/deny/", staff_views.deny, name="deny"),
    path("staff/refills/<uuid:refill_id>/assign/", staff_views.assign, name="assign"),
    path("staff/refills/<uuid:refill_id>/progress/", staff_views.progress, name="progress"),
]
