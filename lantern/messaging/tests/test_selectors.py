"""Reads: the unread count for the home page, recipients, and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from lantern.access.policy import patient_access
from lantern.messaging import selectors
from lantern.messaging.models import AuthorRole
from lantern.testing.factories_messaging import ConversationFactory, MessagePoolFactory

pytestmark = pytest.mark.django_db


def test_the_unread_count_counts_replies_not_yet_opened_in_one_query(
    alice, alice_access, charlie, nursing, django_assert_num_queries
):
    now = timezone.now()
    reply = {"last_message_role": AuthorRole.STAFF, "last_message_at": now}
    ConversationFactory(patient=alice.patient, pool=nursing, created_by=alice, **reply)
    ConversationFactory(
        patient=alice.patient,
        pool=nursing,
        created_by=alice,
        patient_read_at=now - dt.timedelta(minutes=5),
        **reply,
    )
    ConversationFactory(
        patient=alice.patient, pool=nursing, created_by=alice, patient_read_at=now, **reply
    )
    ConversationFactory(patient=alice.patient, pool=nursing, created_by=alice)
    ConversationFactory(patient=charlie.patient, pool=nursing, created_by=charlie, **reply)

    with django_assert_num_queries(1):
        assert selectors.unread_counts(accesses=[alice_access]) == {alice.patient_id: 2}


def test_recipients_are_active_pools_then_active_clinicians_of_the_patients_clinic(
    alice_access, clinic, other_clinic, nursing, dr_diaz, nora, olga
):
    MessagePoolFactory(organization=clinic, name="Old pool", is_active=False)
    MessagePoolFactory(organization=other_clinic, name="Elsewhere")

    recipients = selectors.recipients_for(access=alice_access)

    assert [r.key for r in recipients] == [f"pool:{nursing.pk}", f"clinician:{dr_diaz.pk}"]
    assert [r.label for r in recipients] == ["Nursing", "Dana Diaz"]


def test_staff_see_only_conversations_sent_to_their_own_clinic(alice, nora, nursing, other_clinic):
    here = ConversationFactory(patient=alice.patient, pool=nursing, created_by=alice)
    elsewhere_pool = MessagePoolFactory(organization=other_clinic)
    elsewhere = ConversationFactory(
        patient=alice.patient, organization=other_clinic, pool=elsewhere_pool, created_by=alice
    )
    access = patient_access(nora, alice.patient_id)

    listed = selectors.conversations_for_patient(access=access)
    assert listed[0:10] == [here]
    assert listed.count() == 1
    patients_list = selectors.conversations_for_patient(
        access=patient_access(alice, alice.patient_id)
    )
    assert set(patients_list[0:10]) == {here, elsewhere}
    with pytest.raises(Http404):
        selectors.conversation_for_access(access=access, conversation_id=elsewhere.pk)
