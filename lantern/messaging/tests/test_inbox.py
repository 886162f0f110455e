"""The staff inbox's selectors and services: scope, filters, counts, assignment, notes, done."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lantern.access import policy
from lantern.access.models import StaffRole
from lantern.audit.models import AuditAction, AuditEvent
from lantern.messaging import inbox
from lantern.messaging.models import AuthorRole, Conversation, StaffNote
from lantern.testing.factories import (
    OrganizationFactory,
    PatientFactory,
    StaffMembershipFactory,
    UserFactory,
)
from lantern.testing.factories_messaging import (
    ConversationFactory,
    MessagePoolFactory,
    StaffNoteFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def nursing(clinic):
    return MessagePoolFactory(organization=clinic, name="Nursing")


@pytest.fixture
def billing(clinic):
    return MessagePoolFactory(organization=clinic, name="Billing questions")


@pytest.fixture
def colleague(clinic):
    user = UserFactory(username="colin", first_name="Colin", last_name="Doe")
    StaffMembershipFactory(user=user, organization=clinic, role=StaffRole.CLINICIAN)
    return user


def ids(conversations) -> set:
    return {conversation.pk for conversation in conversations}


def conversation_for(user, **fields) -> Conversation:
    return ConversationFactory(patient=user.patient, created_by=user, **fields)


# Filters.


def test_the_waiting_state_lists_open_unanswered_conversations_oldest_first(alice, nora, nursing):
    now = timezone.now()
    newer = conversation_for(alice, pool=nursing, waiting_since=now - dt.timedelta(hours=1))
    older = conversation_for(alice, pool=nursing, waiting_since=now - dt.timedelta(days=2))
    conversation_for(alice, pool=nursing, waiting_since=None, last_message_role=AuthorRole.STAFF)
    conversation_for(alice, pool=nursing, waiting_since=None, done_at=now)

    waiting = list(inbox.inbox_conversations(nora, queue="all", state="waiting"))

    assert [conversation.pk for conversation in waiting] == [older.pk, newer.pk]


def test_each_state_returns_its_conversations(alice, nora, colleague, nursing):
    now = timezone.now()
    unread = conversation_for(alice, pool=nursing, clinic_read_at=None)
    read = conversation_for(
        alice, pool=nursing, clinic_read_at=now + dt.timedelta(minutes=1), assigned_to=colleague
    )
    answered = conversation_for(
        alice, pool=nursing, last_message_role=AuthorRole.STAFF, waiting_since=None
    )
    done = conversation_for(alice, pool=nursing, waiting_since=None, done_at=now, done_by=nora)

    def state(name):
        return ids(inbox.inbox_conversations(nora, queue="all", state=name))

    assert state("waiting") == {unread.pk, read.pk}
    assert state("unread") == {unread.pk, done.pk}
    assert state("assigned") == {read.pk}
    assert state("unassigned") == {unread.pk, answered.pk, done.pk}
    assert state("done") == {done.pk}
    assert state("all") == {unread.pk, read.pk, answered.pk, done.pk}


def test_my_queue_holds_conversations_assigned_to_me_or_addressed_to_me(
    alice, nora, colleague, nursing
):
    assigned_to_me = conversation_for(alice, pool=nursing, assigned_to=nora)
    addressed_to_me = conversation_for(alice, pool=None, clinician=nora)
    conversation_for(alice, pool=nursing, assigned_to=colleague)
    conversation_for(alice, pool=None, clinician=colleague)

    mine = inbox.inbox_conversations(nora, queue="mine", state="all")

    assert ids(mine) == {assigned_to_me.pk, addressed_to_me.pk}


def test_a_pool_queue_holds_only_that_pools_conversations(alice, nora, nursing, billing):
    in_nursing = conversation_for(alice, pool=nursing)
    conversation_for(alice, pool=billing)

    queue = inbox.inbox_conversations(nora, queue=str(nursing.pk), state="all")

    assert ids(queue) == {in_nursing.pk}


def test_a_pool_of_another_clinic_is_not_a_queue(nora, other_clinic):
    foreign_pool = MessagePoolFactory(organization=other_clinic)
    with pytest.raises(Http404):
        inbox.inbox_conversations(nora, queue=str(foreign_pool.pk), state="all")
    with pytest.raises(Http404):
        inbox.inbox_conversations(nora, queue="not-a-pool", state="all")


def test_staff_of_another_clinic_see_none_of_the_clinics_conversations(alice, olga, nursing):
    conversation_for(alice, pool=nursing)
    assert not inbox.inbox_conversations(olga, queue="all", state="all").exists()
    assert inbox.inbox_waiting_count(olga) == 0


def test_the_inbox_page_lists_and_counts_each_clinic_a_nurse_works_at_by_its_id(
    alice, nora, clinic, nursing, other_clinic
):
    # The page's queries name the nurse's clinics as values (read once, `policy.staff_access`)
    # instead of asking the memberships in each of them: the same conversations either way.
    hilltop_pool = MessagePoolFactory(organization=other_clinic, name="Front desk")
    StaffMembershipFactory(user=nora, organization=other_clinic, role=StaffRole.FRONT_DESK)
    hilltop_patient = PatientFactory(managing_organization=other_clinic)
    riverside = conversation_for(alice, pool=nursing)
    hilltop = ConversationFactory(patient=hilltop_patient, pool=hilltop_pool)
    # Held by Riverside, about a patient who moved to a clinic nora does not work at.
    third_clinic = OrganizationFactory(name="Lakeside")
    moved_away = PatientFactory(managing_organization=third_clinic)
    ConversationFactory(patient=moved_away, organization=clinic, pool=nursing)
    # Held by a clinic nora does not work at, about a Riverside patient.
    ConversationFactory(
        patient=alice.patient,
        organization=third_clinic,
        pool=MessagePoolFactory(organization=third_clinic),
    )
    staff = policy.staff_access(nora)
    pools = inbox.inbox_pools(nora)

    with CaptureQueriesContext(connection) as captured:
        listed = inbox.InboxListing(nora, queue="all", state="all", pools=pools, staff=staff)[:25]
        counts = inbox.inbox_counts(nora, queue="all", state="all", pools=pools, staff=staff)
        waiting = inbox.inbox_waiting_count(nora, staff=staff)

    assert ids(listed) == {riverside.pk, hilltop.pk}
    assert ids(listed) == ids(inbox.inbox_conversations(nora, queue="all", state="all"))
    assert {count.key: count.count for count in counts.queues} == {
        "all": 2,
        "mine": 0,
        str(nursing.pk): 1,
        str(hilltop_pool.pk): 1,
    }
    assert waiting == 2
    assert len(captured) == 4
    assert not any("access_staffmembership" in query["sql"] for query in captured)


def test_the_inbox_refuses_another_accounts_staff_access(nora, olga):
    with pytest.raises(ValueError, match="another account"):
        inbox.inbox_waiting_count(nora, staff=policy.staff_access(olga))


def test_a_patient_sees_nothing_in_the_inbox_even_their_own_conversations(alice, nursing):
    conversation_for(alice, pool=nursing)
    assert not inbox.inbox_conversations(alice, queue="all", state="all").exists()


def test_the_counts_stop_past_a_limit_and_say_so(alice, nora, nursing, monkeypatch):
    # A clinic's closed conversations pile up for years: a count stops past COUNTED_UP_TO.
    monkeypatch.setattr(inbox, "COUNTED_UP_TO", 2)
    for _ in range(4):
        conversation_for(alice, pool=nursing)
    pools = inbox.inbox_pools(nora)

    counts = inbox.inbox_counts(nora, queue="all", state="waiting", pools=pools)

    states = {item.key: (item.count, item.words) for item in counts.states}
    assert states["waiting"] == (3, "2+")
    assert states["assigned"] == (0, "0")


def test_the_counts_give_each_queue_in_the_state_and_each_state_in_the_queue(
    alice, nora, nursing, billing
):
    conversation_for(alice, pool=nursing, assigned_to=nora)
    conversation_for(alice, pool=nursing)
    conversation_for(alice, pool=billing, waiting_since=None, done_at=timezone.now())
    pools = inbox.inbox_pools(nora)

    counts = inbox.inbox_counts(nora, queue=str(nursing.pk), state="waiting", pools=pools)

    queues = {item.label: item.count for item in counts.queues}
    assert queues == {"All": 2, "Assigned to me": 1, "Billing questions": 0, "Nursing": 2}
    states = {item.key: item.count for item in counts.states}
    assert states == {
        "waiting": 2,
        "unread": 2,
        "assigned": 1,
        "unassigned": 1,
        "done": 0,
        "all": 2,
    }
    assert inbox.inbox_waiting_count(nora) == 2


def test_time_waiting_reads_in_words():
    now = timezone.now()
    assert inbox.waiting_in_words(now - dt.timedelta(days=2, hours=3), now) == "2 days 3 hours"
    assert inbox.waiting_in_words(now - dt.timedelta(days=1), now) == "1 day"
    assert inbox.waiting_in_words(now - dt.timedelta(hours=5, minutes=1), now) == (
        "5 hours 1 minute"
    )
    assert inbox.waiting_in_words(now - dt.timedelta(seconds=20), now) == "under a minute"
    assert inbox.waiting_in_words(None, now) == ""


# Opening a conversation.


def test_opening_a_conversation_marks_it_read_and_audits_the_view(alice, nora, nursing):
    conversation = conversation_for(alice, pool=nursing)
    StaffNoteFactory(conversation=conversation, author=nora, body="Checked the chart.")

    opened = inbox.conversation_open_for_staff(nora, conversation.pk)

    assert [entry.note.body for entry in opened.thread if entry.note] == ["Checked the chart."]
    conversation.refresh_from_db()
    assert not conversation.unread_by_clinic
    assert AuditEvent.objects.filter(
        actor=nora,
        patient=alice.patient,
        action=AuditAction.VIEW,
        object_type="Conversation",
        object_id=str(conversation.pk),
    ).exists()


def test_another_clinics_staff_cannot_open_or_act_on_a_conversation(alice, olga, nursing):
    conversation = conversation_for(alice, pool=nursing)
    for action in (
        lambda: inbox.conversation_open_for_staff(olga, conversation.pk),
        lambda: inbox.conversation_assign(olga, conversation.pk, olga.pk),
        lambda: inbox.staff_note_add(olga, conversation.pk, "x", uuid.uuid4()),
        lambda: inbox.conversation_mark_done(olga, conversation.pk),
    ):
        with pytest.raises(Http404):
            action()
    conversation.refresh_from_db()
    assert conversation.assigned_to is None and conversation.done_at is None
    assert not StaffNote.objects.exists()


# Assigning.


def test_assign_to_a_colleague_to_me_and_to_no_one_is_audited(alice, nora, colleague, nursing):
    conversation = conversation_for(alice, pool=nursing)

    inbox.conversation_assign(nora, conversation.pk, colleague.pk)
    conversation.refresh_from_db()
    assert conversation.assigned_to == colleague

    inbox.conversation_assign(nora, conversation.pk, nora.pk)
    conversation.refresh_from_db()
    assert conversation.assigned_to == nora

    inbox.conversation_assign(nora, conversation.pk, None)
    conversation.refresh_from_db()
    assert conversation.assigned_to is None
    assert (
        AuditEvent.objects.filter(
            actor=nora, action=AuditAction.UPDATE, object_id=str(conversation.pk)
        ).count()
        == 3
    )


def test_assigning_to_staff_of_another_clinic_or_to_a_patient_is_refused(
    alice, charlie, nora, olga, nursing
):
    conversation = conversation_for(alice, pool=nursing)
    former = UserFactory()
    StaffMembershipFactory(user=former, organization=nursing.organization, is_active=False)

    for outsider in (olga, charlie, former):
        with pytest.raises(inbox.AssignmentRefused):
            inbox.conversation_assign(nora, conversation.pk, outsider.pk)

    conversation.refresh_from_db()
    assert conversation.assigned_to is None


# Notes and done.


def test_a_note_sent_twice_with_the_same_submission_id_is_added_once(alice, nora, nursing):
    conversation = conversation_for(alice, pool=nursing)
    submission_id = uuid.uuid4()

    first = inbox.staff_note_add(nora, conversation.pk, "Called the pharmacy.", submission_id)
    again = inbox.staff_note_add(nora, conversation.pk, "Called the pharmacy.", submission_id)

    assert first.pk == again.pk
    assert StaffNote.objects.filter(conversation=conversation).count() == 1
    # One note written, one event: the note with its id (the repeat added nothing).
    [event] = AuditEvent.objects.filter(actor=nora)
    assert (event.action, event.object_type, event.object_id) == (
        AuditAction.CREATE,
        "StaffNote",
        str(first.pk),
    )


def test_marking_done_stops_the_wait_and_is_audited(alice, nora, nursing):
    conversation = conversation_for(alice, pool=nursing)

    assert inbox.conversation_mark_done(nora, conversation.pk) is True
    assert inbox.conversation_mark_done(nora, conversation.pk) is False

    conversation.refresh_from_db()
    assert conversation.done_at is not None
    assert conversation.done_by == nora
    assert conversation.waiting_since is None
    assert not inbox.inbox_conversations(nora, queue="all", state="waiting").exists()
    assert ids(inbox.inbox_conversations(nora, queue="all", state="done")) == {conversation.pk}
    # Marked done once, audited once: the second click changed nothing.
    [event] = AuditEvent.objects.filter(actor=nora)
    assert (event.action, event.object_type, event.object_id) == (
        AuditAction.UPDATE,
        "Conversation",
        str(conversation.pk),
    )


def test_a_staff_reply_writes_one_event_naming_the_message(alice, nora, nursing):
    conversation = conversation_for(alice, pool=nursing)

    reply = inbox.conversation_reply(
        nora, conversation.pk, body="Yes, that is expected.", submission_id=uuid.uuid4()
    )

    [event] = AuditEvent.objects.filter(actor=nora)
    assert (event.action, event.object_type, event.object_id, event.patient) == (
        AuditAction.CREATE,
        "Message",
        str(reply.pk),
        alice.patient,
    )


def test_a_conversation_about_a_patient_of_another_clinic_is_out_of_scope(nora, nursing):
    # Sent to nora's clinic, but about a patient her clinic does not manage.
    stranger = UserFactory(patient=PatientFactory())
    conversation = ConversationFactory(
        patient=stranger.patient,
        created_by=stranger,
        organization=nursing.organization,
        pool=nursing,
    )
    assert not inbox.inbox_conversations(nora, queue="all", state="all").exists()
    with pytest.raises(Http404):
        inbox.conversation_open_for_staff(nora, conversation.pk)


# The admin.


def test_the_admin_manages_pools_and_shows_no_conversations():
    from django.contrib import admin

    from lantern.messaging.models import Attachment, Message, MessagePool

    assert admin.site.is_registered(MessagePool)
    for model in (Conversation, Message, StaffNote, Attachment):
        assert not admin.site.is_registered(model)
