"""`audit_event_append`, the one INSERT every read writes, stores the row `audit_event_record`
stores: the same values in the same columns, prepared by the same fields."""

from __future__ import annotations

import dataclasses

import pytest
from django.forms.models import model_to_dict

from lantern.audit.models import ActorRole, AuditAction, AuditEvent
from lantern.audit.services import audit_event_append, audit_event_record
from lantern.core.context import current_request_context, request_context

pytestmark = pytest.mark.django_db


def test_an_appended_event_is_the_row_the_model_writes(alice, django_assert_num_queries):
    context = dataclasses.replace(
        current_request_context(),
        channel="api",
        ip_address="2001:0db8:0000:0000:0000:0000:0000:0001",
        user_agent="An app/1.0",
    )
    reset = request_context.set(context)
    try:
        fields = {
            "actor": alice,
            "patient": alice.patient,
            "role": ActorRole.APP,
            "action": AuditAction.VIEW,
            "object_type": "Observation",
            "object_id": "42",
            "actor_label": "An app with a long name " * 10,
        }
        recorded = audit_event_record(**fields)
        with django_assert_num_queries(1):
            audit_event_append(**fields)
    finally:
        request_context.reset(reset)

    appended = AuditEvent.objects.exclude(pk=recorded.pk).get()
    recorded.refresh_from_db()
    ignored = ("id", "occurred_at")
    assert {k: v for k, v in model_to_dict(appended).items() if k not in ignored} == {
        k: v for k, v in model_to_dict(recorded).items() if k not in ignored
    }
    assert appended.ip_address == "2001:db8::1"
    assert len(appended.actor_label) == 150
    assert appended.occurred_at >= recorded.occurred_at
    assert appended.pk > recorded.pk
