"""Forms of the staff inbox: filters, reply, internal note and assignment."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django import forms

from lantern.messaging import forms as messaging_forms
from lantern.messaging.inbox import QUEUE_ALL, STATE_WAITING, STATES
from lantern.messaging.presenters import writing_limits

BODY_MAX_LENGTH = messaging_forms.BODY_MAX_LENGTH


class InboxFilterForm(forms.Form):
    """The queue and state in the inbox's address; anything unknown falls back to the default."""

    queue = forms.CharField(required=False, max_length=40)
    state = forms.ChoiceField(required=False, choices=list(STATES.items()))

    def filters(self) -> tuple[str, str]:
        if not self.is_valid():
            return QUEUE_ALL, STATE_WAITING
        return (
            self.cleaned_data["queue"] or QUEUE_ALL,
            self.cleaned_data["state"] or STATE_WAITING,
        )


class _OnceForm(forms.Form):
    """A random id in the page, so a double-clicked button acts once."""

    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("submission_id", uuid.uuid4())
        super().__init__(*args, **kwargs)


class StaffReplyForm(messaging_forms.ReplyForm):
    """The patient side's reply form (body, checked files, submission id), worded for staff."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**writing_limits(), **kwargs})
        body = self.fields["body"]
        body.label = "Reply to the patient"
        body.help_text = "The patient and anyone acting for them will see this."


class NoteForm(_OnceForm):
    body = forms.CharField(
        label="Internal note",
        help_text="Only the care team sees notes. The patient never does.",
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the note before adding it."},
    )
    field_order = ["body", "submission_id"]


class AssignForm(forms.Form):
    """Who handles the conversation; the service checks they work at its clinic."""

    assignee = forms.TypedChoiceField(
        label="Assign to",
        required=False,
        coerce=int,
        empty_value=None,
    )

    def __init__(self, *args: Any, colleagues: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.choices = [("", "No one (unassigned)")] + [
            (str(person.pk), person.get_full_name() or person.get_username())
            for person in colleagues
        ]


class AssigneeIdForm(forms.Form):
    """The POSTed assignee: a person's id, or empty for no one."""

    assignee = forms.IntegerField(required=False, min_value=1)


class StaffComposeForm(messaging_forms.ComposeForm):
    """A new conversation the care team starts with a patient: the patient's compose form
    (recipient, subject, body, checked files, submission id), worded for staff.

    The recipient is where the patient's answers wait in the inbox, so it is offered from the
    same list the patient writes to; with one choice, it is chosen already.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**writing_limits(), **kwargs})
        recipient = self.fields["recipient"]
        recipient.label = "Answers go to"
        recipient.help_text = "When the patient answers, the answer waits here in the inbox."
        recipient.error_messages["required"] = "Choose where the patient's answers should go."
        keys = [key for key, _ in recipient.choices if key]
        if len(keys) == 1:
            self.initial.setdefault("recipient", keys[0])
        subject = self.fields["subject"]
        subject.help_text = (
            "The patient sees it in their list of messages, for example “Your blood test”."
        )
        body = self.fields["body"]
        body.label = "Message to the patient"
        body.help_text = (
            "The patient and anyone acting for them will see this, from the care team, "
            "with your name."
        )
