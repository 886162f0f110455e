# Included by lantern/staff/urls.py inside the "staff" namespace.
from django.urls import path

from . import staff_views

urlpatterns = [
    path("support/", staff_views.support_requests, name="support_requests"),
    path("support/<uuid:request_id>/", staff_views.support_request, name="support_request"),
    path(
        "support/<uuid:request_id>/close/",
        staff_views.support_request_close,
        name="support_request_close",
    ),
]
