"""`manage.py remove_orphan_attachments`: the periodic sweep of files no message points at."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from lantern.access.policy import patient_access
from lantern.messaging import services
from lantern.messaging.tests.conftest import png_upload, stored_files
from lantern.testing.factories_messaging import ConversationFactory, MessagePoolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_root(settings, tmp_path):
    """A fresh PRIVATE_FILES_ROOT for the test, so file counts are exact."""
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    return settings.PRIVATE_FILES_ROOT


@pytest.fixture
def alice_access(alice):
    return patient_access(alice, alice.patient_id)


@pytest.fixture
def conversation(alice, clinic):
    nursing = MessagePoolFactory(organization=clinic, name="Nursing")
    return ConversationFactory(patient=alice.patient, pool=nursing, created_by=alice)


def add_with_photo(access, conversation, name: str = "rash.png"):
    return services.message_add(
        access=access,
        conversation=conversation,
        body="A photo.",
        files=[png_upload(name)],
        submission_id=uuid.uuid4(),
    )


def add_rolled_back(access, conversation) -> None:
    """A message whose caller's transaction rolls back after the file was stored."""
    with pytest.raises(RuntimeError), transaction.atomic():
        add_with_photo(access, conversation, "lost.png")
        raise RuntimeError("the caller's transaction fails after the message was added")


def remove_orphans(*args: str) -> str:
    output = io.StringIO()
    call_command("remove_orphan_attachments", *args, stdout=output)
    return output.getvalue()


def test_an_old_file_without_a_message_is_removed_and_files_in_use_are_kept(
    alice_access, conversation, private_root
):
    kept = add_with_photo(alice_access, conversation).attachments.get()
    add_rolled_back(alice_access, conversation)
    assert len(stored_files(private_root)) == 2

    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        output = remove_orphans()

    assert output.strip() == "Removed 1 attachment files that no message uses."
    assert [path.name for path in stored_files(private_root)] == [kept.storage_name]


def test_a_recent_file_without_a_message_is_left_for_a_later_sweep(
    alice_access, conversation, private_root
):
    add_rolled_back(alice_access, conversation)

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=30)):
        assert "Removed 0 " in remove_orphans()
        assert len(stored_files(private_root)) == 1
        assert "Removed 1 " in remove_orphans("--older-than-minutes", "20")

    assert stored_files(private_root) == []


def test_the_sweep_with_no_attachment_folder_removes_nothing(private_root):
    assert "Removed 0 " in remove_orphans()


def test_an_age_under_one_minute_is_refused(alice_access, conversation, private_root):
    add_rolled_back(alice_access, conversation)

    with pytest.raises(CommandError, match="at least 1"):
        remove_orphans("--older-than-minutes", "0")

    assert len(stored_files(private_root)) == 1
