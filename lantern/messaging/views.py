"""Secure messages, the patient's side: the list, writing, a conversation, files."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_POST, require_safe

from lantern.access import policy
from lantern.access.decorators import patient_view, signed_in
from lantern.access.models import Section
from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole, AuditAction

from . import selectors, services
from .attachments import ALLOWED_TYPES, attachment_path
from .forms import ComposeForm, MessageFields, ReplyForm
from .models import Conversation
from .presenters import conversation_rows, writing_limits
from .selectors import ConversationFilter, Thread

logger = logging.getLogger(__name__)

CONVERSATIONS_PER_PAGE = 20
SENT = _("Your message was sent.")
STAFF_WRITE_FROM_CONSOLE = _(
    "The new-message form is for patients and their proxies. The care team answers patients from "
    "this inbox; to raise something new with a patient, find them under Patients and choose "
    "“Write to” on their page."
)
CLOSED = _("You closed this conversation. If you write in it again, it opens again.")


@signed_in
def my_messages(request: HttpRequest) -> HttpResponse:
    """The navigation's "Messages" link: the signed-in account's own messages.

    Staff without a record of their own reach it from a patient's pages ("send your care team a
    message"); their messages are the console's inbox, so the link is not a dead end for them.
    """
    if request.user.patient_id is None:
        if policy.is_staff_member(request.user):
            return redirect("staff:inbox")
        raise Http404
    return redirect("messaging:list", patient_id=request.user.patient_id)


@patient_view(section=Section.MESSAGES, object_type="Conversation")
def conversation_list(request: HttpRequest) -> HttpResponse:
    access = request.patient_access
    show = request.GET.get("show", ConversationFilter.ALL)
    if show not in ConversationFilter.CHOICES:
        show = ConversationFilter.ALL
    conversations = selectors.conversations_for_patient(access=access, show=show)
    page = Paginator(conversations, CONVERSATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "current_section": "messages",
        "patient": access.patient,
        "page": page,
        "rows": conversation_rows(list(page.object_list)),
        "show": show,
        "filters": [
            (ConversationFilter.ALL, pgettext_lazy("conversations", "All")),
            (ConversationFilter.OPEN, pgettext_lazy("conversations", "Open")),
            (ConversationFilter.CLOSED, pgettext_lazy("conversations", "Closed")),
        ],
    }
    return render(request, "messaging/conversation_list.html", context)


@patient_view(section=Section.MESSAGES, action=AuditAction.CREATE, object_type="Conversation")
def conversation_new(request: HttpRequest) -> HttpResponse:
    access = request.patient_access
    if access.role == ActorRole.STAFF:
        # This form writes as the patient's side; the care team answers from the console inbox,
        # so a nurse's words can never appear as the patient's. Nothing was done, so no audit.
        messages.info(request, STAFF_WRITE_FROM_CONSOLE)
        return redirect("staff:inbox")
    recipients = selectors.recipients_for(access=access)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = ComposeForm(*data, recipients=recipients, **writing_limits())
    if request.method == "POST" and form.is_valid():
        conversation = conversation_start_from(form, access=access)
        if conversation is not None:
            return _sent(request, conversation)
    if request.method == "POST":
        # Nothing was sent: the page was only shown again, with what to fix.
        policy.access_record(access, action=AuditAction.VIEW)
    context = {**_writing_context(access), "form": form, "has_recipients": bool(recipients)}
    return render(request, "messaging/conversation_new.html", context)


@patient_view(section=Section.MESSAGES, object_type="Conversation")
@require_safe
def conversation_detail(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    access = request.patient_access
    thread = selectors.thread_for(
        access=access, conversation_id=conversation_id, page=request.GET.get("page")
    )
    if _has_unread(access, thread.conversation):
        services.conversation_mark_read(access=access, conversation=thread.conversation)
    return _thread_page(request, thread, ReplyForm(**writing_limits()))


def _has_unread(access: PatientAccess, conversation: Conversation) -> bool:
    """Whether this side (the clinic's, or the patient's) has not yet read up to the last message;
    a conversation read to its end stays read, so opening it again writes nothing."""
    read_at = (
        conversation.clinic_read_at
        if access.role == ActorRole.STAFF
        else conversation.patient_read_at
    )
    return read_at is None or read_at < conversation.last_message_at


@patient_view(section=Section.MESSAGES, action=AuditAction.CREATE, object_type="Message")
@require_POST
def message_reply(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    access = request.patient_access
    conversation = selectors.conversation_for_access(access=access, conversation_id=conversation_id)
    form = ReplyForm(request.POST, request.FILES, **writing_limits())
    if form.is_valid():
        try:
            services.message_add(
                access=access,
                conversation=conversation,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["attachments"],
                submission_id=form.cleaned_data["submission_id"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _sent(request, conversation)
    thread = selectors.thread_for(access=access, conversation_id=conversation_id, page=None)
    return _thread_page(request, thread, form)


@patient_view(section=Section.MESSAGES, action=AuditAction.UPDATE, object_type="Conversation")
@require_POST
def conversation_close(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    access = request.patient_access
    if access.role == ActorRole.STAFF:
        raise Http404
    conversation = selectors.conversation_for_access(access=access, conversation_id=conversation_id)
    services.conversation_close(access=access, conversation=conversation)
    messages.success(request, CLOSED)
    return _to_thread(conversation)


@patient_view(section=Section.MESSAGES, action=AuditAction.EXPORT, object_type="Attachment")
@require_safe
def attachment_download(request: HttpRequest, attachment_id: uuid.UUID) -> FileResponse:
    access = request.patient_access
    attachment = selectors.attachment_for_access(access=access, attachment_id=attachment_id)
    try:
        file = attachment_path(attachment.storage_name).open("rb")
    except FileNotFoundError:
        logger.error("Attachment %s has no file %s", attachment.pk, attachment.storage_name)
        raise Http404 from None
    # Recorded once the file is open: a file that is missing was not downloaded.
    policy.access_record(access, object_type="Attachment", object_id=attachment.pk)
    content_type = (
        attachment.content_type
        if attachment.content_type in ALLOWED_TYPES
        else "application/octet-stream"
    )
    response = FileResponse(
        file, as_attachment=True, filename=attachment.filename, content_type=content_type
    )
    # Never rendered by the browser as a page, never guessed as another type, never cached.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# Helpers.


def _writing_context(access: Any) -> dict[str, Any]:
    return {
        "current_section": "messages",
        "patient": access.patient,
        "reply_days": settings.MESSAGE_REPLY_BUSINESS_DAYS,
    }


def _thread_page(request: HttpRequest, thread: Thread, form: ReplyForm) -> HttpResponse:
    access = request.patient_access
    context = {
        **_writing_context(access),
        "thread": thread,
        "conversation": thread.conversation,
        "form": form,
        "may_close": access.role != ActorRole.STAFF,
    }
    return render(request, "messaging/conversation_detail.html", context)


def conversation_start_from(form: ComposeForm, *, access: PatientAccess) -> Any:
    """Start the conversation a valid compose form describes (the patient's or the care team's);
    None, with the service's objection on the form, when it was refused."""
    try:
        return services.conversation_start(
            access=access,
            recipient=form.cleaned_data["recipient"],
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            files=form.cleaned_data["attachments"],
            submission_id=form.cleaned_data["submission_id"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None


def add_service_errors(form: MessageFields, error: ValidationError) -> None:
    """Put a service's ValidationError on the field it is about."""
    fields = {
        "recipient": "recipient",
        "no_clinic": "recipient",
        "body": "body",
        "subject": "subject",
    }
    field = fields.get(error.code, "attachments")
    if field not in form.fields:
        field = None
    form.add_error(field, error)


def _sent(request: HttpRequest, conversation: Any) -> HttpResponse:
    # Said only once the message is committed: on_commit runs at once outside a transaction,
    # and after the commit inside one.
    transaction.on_commit(lambda: messages.success(request, SENT))
    return _to_thread(conversation)


def _to_thread(conversation: Any) -> HttpResponse:
    return redirect(
        "messaging:detail", patient_id=conversation.patient_id, conversation_id=conversation.pk
    )
