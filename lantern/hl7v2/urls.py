from django.urls import path

from . import staff_views

app_name = "hl7v2"

urlpatterns = [
    path("staff/interface/", staff_views.queue, name="queue"),
    path("staff/interface/<uuid:message_id>/", staff_views.detail, name="detail"),
    path("staff/interface/<uuid:message_id>/search/", staff_views.search, name="search"),
    path("staff/interface/<uuid:message_id>/match/", staff_views.match, name="match"),
    path("staff/interface/<uuid:message_id>/replay/", staff_views.replay, name="replay"),
]
