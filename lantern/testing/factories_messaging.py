"""factory_boy factories for secure messages."""

from __future__ import annotations

import uuid

import factory
from django.utils import timezone

from lantern.messaging import models as messaging

from .factories import OrganizationFactory, PatientFactory, UserFactory


class MessagePoolFactory(factory.django.DjangoModelFactory):
    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Pool {n}")
    description = "Questions for the team"

    class Meta:
        model = messaging.MessagePool


class ConversationFactory(factory.django.DjangoModelFactory):
    """A conversation started by the patient's own account, addressed to a pool of their clinic."""

    patient = factory.SubFactory(PatientFactory)
    organization = factory.LazyAttribute(lambda o: o.patient.managing_organization)
    pool = factory.SubFactory(
        MessagePoolFactory, organization=factory.SelfAttribute("..organization")
    )
    clinician = None
    subject = factory.Sequence(lambda n: f"Question {n}")
    created_by = factory.SubFactory(UserFactory)
    submission_id = factory.LazyFunction(uuid.uuid4)
    last_message_at = factory.LazyFunction(timezone.now)
    last_message_role = messaging.AuthorRole.PATIENT
    waiting_since = factory.LazyAttribute(lambda o: o.last_message_at)

    class Meta:
        model = messaging.Conversation


class MessageFactory(factory.django.DjangoModelFactory):
    conversation = factory.SubFactory(ConversationFactory)
    author = factory.LazyAttribute(lambda o: o.conversation.created_by)
    author_role = messaging.AuthorRole.PATIENT
    body = "Is it normal to feel tired after the new medicine?"
    submission_id = factory.LazyFunction(uuid.uuid4)

    class Meta:
        model = messaging.Message


class StaffNoteFactory(factory.django.DjangoModelFactory):
    conversation = factory.SubFactory(ConversationFactory)
    author = factory.SubFactory(UserFactory)
    body = "Called the pharmacy; waiting to hear back."
    submission_id = factory.LazyFunction(uuid.uuid4)

    class Meta:
        model = messaging.StaffNote
