from django.urls import path

from . import staff_views, views

app_name = "family"

urlpatterns = [
    path("account/family/", views.family, name="overview"),
    path("account/family/cancel/", views.invitation_cancel, name="invitation_cancel"),
    path("account/family/end/", views.access_end, name="end"),
    # The emailed link; the token leaves the address after this one request.
    path("family/invitations/<str:token>/", views.invitation_link, name="invitation_link"),
    path("family/invitation/", views.invitation, name="invitation"),
    path("family/invitation/account/", views.invitation_account, name="invitation_account"),
    path("family/invitation/answer/", views.invitation_respond, name="invitation_respond"),
    path(
        "staff/patients/<uuid:patient_id>/family/",
        staff_views.family_access,
        name="staff_family",
    ),
    path(
        "staff/patients/<uuid:patient_id>/family/end/",
        staff_views.access_end,
        name="staff_end",
    ),
]
