from django.urls import include, path

from . import inbox_views, membership_views, views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("lantern.appointments.staff_urls")),
    path("", include("lantern.support.staff_urls")),
    path("messages/", inbox_views.inbox_list, name="inbox"),
    path(
        "messages/<uuid:conversation_id>/",
        inbox_views.conversation_detail,
        name="conversation",
    ),
    path(
        "messages/<uuid:conversation_id>/reply/",
        inbox_views.conversation_reply,
        name="conversation_reply",
    ),
    path(
        "messages/<uuid:conversation_id>/notes/",
        inbox_views.staff_note_add,
        name="conversation_note",
    ),
    path(
        "messages/<uuid:conversation_id>/assign/",
        inbox_views.conversation_assign,
        name="conversation_assign",
    ),
    path(
        "messages/<uuid:conversation_id>/done/",
        inbox_views.conversation_mark_done,
        name="conversation_done",
    ),
    path("patients/", views.patient_search, name="patients"),
    path("patients/<uuid:patient_id>/", views.patient_detail, name="patient"),
    path(
        "patients/<uuid:patient_id>/conversations/new/",
        inbox_views.conversation_start,
        name="conversation_start",
    ),
    path(
        "patients/<uuid:patient_id>/activation-code/",
        views.activation_code_issue,
        name="activation_code_issue",
    ),
    path(
        "patients/<uuid:patient_id>/activation-code/revoke/",
        views.activation_code_revoke,
        name="activation_code_revoke",
    ),
    path(
        "patients/<uuid:patient_id>/account/unpause/",
        views.account_unpause,
        name="account_unpause",
    ),
    path("staff-list/", membership_views.staff_lists, name="staff_lists"),
    path(
        "clinics/<uuid:organization_id>/staff/",
        membership_views.membership_list,
        name="memberships",
    ),
    path(
        "clinics/<uuid:organization_id>/staff/add/",
        membership_views.membership_add,
        name="membership_add",
    ),
    path(
        "clinics/<uuid:organization_id>/staff/role/",
        membership_views.membership_role,
        name="membership_role",
    ),
    path(
        "clinics/<uuid:organization_id>/staff/access/",
        membership_views.membership_active,
        name="membership_active",
    ),
    path("enrollment-requests/", views.enrollment_requests, name="enrollment_requests"),
    path("results-on-hold/", views.results_on_hold, name="results_on_hold"),
    path(
        "enrollment-requests/<uuid:request_id>/",
        views.enrollment_request_review,
        name="enrollment_request",
    ),
    path(
        "enrollment-requests/<uuid:request_id>/approve/",
        views.enrollment_request_approve,
        name="enrollment_request_approve",
    ),
    path(
        "enrollment-requests/<uuid:request_id>/decline/",
        views.enrollment_request_decline,
        name="enrollment_request_decline",
    ),
]
