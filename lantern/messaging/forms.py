"""Forms for writing messages. Files are checked by `attachments`, by content, not by name."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .attachments import attachments_check
from .selectors import Recipient

BODY_MAX_LENGTH = 10_000
CHOOSE_AGAIN = _("Choose the files again.")
# What the file input offers in the browser's picker; the server decides by content anyway.
ACCEPTED_FILES = "image/*,application/pdf"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.Field):
    """Zero or more uploaded files, as a list. Checked as a whole by the form."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"multiple": True, "accept": ACCEPTED_FILES})

    def to_python(self, data: Any) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [file for file in files if isinstance(file, UploadedFile)]


class MessageFields(forms.Form):
    """The body, files and one-time submission id every message form has."""

    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Write your message.")},
    )
    attachments = AttachmentsField(
        label=_("Attach photos or PDF files (optional)"),
        help_text=_(
            "Up to %(count)s files, each up to %(size)s. Photos (PNG, JPEG, GIF, WebP) or PDF."
        ),
    )
    # Made when the page is drawn and kept when it is drawn again after an error, so sending
    # the same form twice is recognised as one message.
    submission_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args: Any, max_files: int, max_size: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["attachments"]
        field.help_text = field.help_text % {"count": max_files, "size": max_size}

    def clean_attachments(self) -> Sequence[UploadedFile]:
        files = self.cleaned_data["attachments"]
        try:
            attachments_check(files)
        except ValidationError as error:
            raise ValidationError(f"{' '.join(error.messages)} {CHOOSE_AGAIN}") from error
        return files

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError(gettext("Write your message."))
        return body


class ComposeForm(MessageFields):
    """A new conversation: to whom, about what, and the first message."""

    recipient = forms.ChoiceField(
        label=_("Who is this for?"),
        error_messages={
            "required": _("Choose who to send your message to."),
            "invalid_choice": _("Choose who to send your message to from the list."),
        },
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=120,
        help_text=_("A few words, for example “Question about my blood pressure medicine”."),
        error_messages={"required": _("Write a subject.")},
    )

    field_order = ["recipient", "subject", "body", "attachments", "submission_id"]

    def __init__(self, *args: Any, recipients: Sequence[Recipient], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = [("", gettext("- Select -"))] + [
            (recipient.key, recipient.label) for recipient in recipients
        ]


class ReplyForm(MessageFields):
    """A reply in an existing conversation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("Your reply")
        self.fields["body"].error_messages["required"] = _("Write your reply.")
