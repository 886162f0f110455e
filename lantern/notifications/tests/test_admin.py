"""The outbox admin is read-only and does not show one-time links or codes."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from lantern.notifications.models import DeliveredSms, Notification, NotificationKind
from lantern.notifications.services import notification_send

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Notification, DeliveredSms])
def test_the_outbox_cannot_be_added_to_changed_or_deleted_in_the_admin(model):
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_the_admin_hides_messages_that_carry_a_one_time_link():
    (reset,) = notification_send(
        kind=NotificationKind.PASSWORD_RESET,
        email="alice@example.org",
        context={"link": "http://localhost:8000/reset/secret-token/"},
    )
    (notice,) = notification_send(kind=NotificationKind.PASSWORD_CHANGED, email="a@example.org")
    model_admin = admin.site._registry[Notification]

    assert "secret-token" not in model_admin.message(reset)
    assert model_admin.message(notice) == notice.body
    assert "body" not in model_admin.get_fields(RequestFactory().get("/admin/"), reset)
