"""How conversations read on the patient's pages: their state in words."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Conversation, ConversationStatus
from .selectors import recipient_label

NEW_REPLY = _("New reply")
# A conversation the care team started: its first message is not a reply to anything.
NEW_MESSAGE = _("New message")
WAITING = _("Waiting for an answer")
ANSWERED = _("Answered")
FROM_CARE_TEAM = _("From your care team")
CLOSED = pgettext_lazy("conversation", "Closed")


def conversation_state(conversation: Conversation) -> str:
    """The one state the patient needs to know, most important first."""
    if conversation.unread_by_patient:
        return NEW_MESSAGE if conversation.started_by_clinic else NEW_REPLY
    if conversation.status == ConversationStatus.CLOSED:
        return CLOSED
    if conversation.is_answered:
        return FROM_CARE_TEAM if conversation.started_by_clinic else ANSWERED
    return WAITING


@dataclass(frozen=True)
class ConversationRow:
    conversation: Conversation
    recipient: str
    state: str

    @property
    def is_new(self) -> bool:
        return self.state in (NEW_REPLY, NEW_MESSAGE)


def conversation_rows(conversations: list[Conversation]) -> list[ConversationRow]:
    return [
        ConversationRow(
            conversation=conversation,
            recipient=recipient_label(conversation),
            state=conversation_state(conversation),
        )
        for conversation in conversations
    ]


def writing_limits() -> dict[str, object]:
    """The attachment limits, as the message forms' constructor takes them."""
    return {
        "max_files": settings.MESSAGE_ATTACHMENTS_PER_MESSAGE,
        "max_size": filesizeformat(settings.MESSAGE_ATTACHMENT_MAX_BYTES),
    }
