from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.my_messages, name="mine"),
    path("patients/<uuid:patient_id>/messages/", views.conversation_list, name="list"),
    path("patients/<uuid:patient_id>/messages/new/", views.conversation_new, name="new"),
    path(
        "patients/<uuid:patient_id>/messages/attachments/<uuid:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path(
        "patients/<uuid:patient_id>/messages/<uuid:conversation_id>/",
        views.conversation_detail,
        name="detail",
    ),
    path(
        "patients/<uuid:patient_id>/messages/<uuid:conversation_id>/reply/",
        views.message_reply,
        name="reply",
    ),
    path(
        "patients/<uuid:patient_id>/messages/<uuid:conversation_id>/close/",
        views.conversation_close,
        name="close",
    ),
]
