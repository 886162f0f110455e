"""How conversations read on the patient's pages: their state in words."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .models import Conversation, ConversationStatus
from .selectors import recipient_label

NEW_REPLY = "New reply"
WAITING = "Waiting for an answer"
ANSWERED = "Answered"
CLOSED = "Closed"


def conversation_state(conversation: Conversation) -> str:
    """The one state the patient needs to know, most important first."""
    if conversation.unread_by_patient:
        return NEW_REPLY
    if conversation.status == ConversationStatus.CLOSED:
        return CLOSED
    if conversation.is_answered:
        return ANSWERED
    return WAITING


@dataclass(frozen=True)
class ConversationRow:
    conversation: Conversation
    recipient: str
    state: str

    @property
    def is_new(self) -> bool:
        return self.state == NEW_REPLY


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
