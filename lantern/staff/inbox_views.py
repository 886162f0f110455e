"""The staff inbox: patients' messages to the clinic, and what the care team does with them."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST

from lantern.access import policy
from lantern.access.decorators import staff_view
from lantern.access.models import Section
from lantern.audit.models import ActorRole, AuditAction
from lantern.enrollment import selectors as enrollment_selectors
from lantern.messaging import inbox
from lantern.messaging import selectors as messaging_selectors
from lantern.messaging.views import conversation_start_from

from . import selectors
from .inbox_forms import (
    AssigneeIdForm,
    AssignForm,
    InboxFilterForm,
    NoteForm,
    StaffComposeForm,
    StaffReplyForm,
)
from .views import staff_patient_view

CONVERSATIONS_PER_PAGE = 25


class CountedPaginator(Paginator):
    """A paginator given its count, when the page has already counted its list (no query)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@staff_view
def inbox_list(request: HttpRequest) -> HttpResponse:
    queue, state = InboxFilterForm(request.GET).filters()
    pools = inbox.inbox_pools(request.user)
    staff = request.staff_access
    conversations = inbox.InboxListing(
        request.user, queue=queue, state=state, pools=pools, staff=staff
    )
    counts = inbox.inbox_counts(request.user, queue=queue, state=state, pools=pools, staff=staff)
    # The counts hold how many conversations the chosen queue has in the chosen state.
    shown = next(count.count for count in counts.states if count.key == state)
    # Counted up to a limit: past it, the pages list the first COUNTED_UP_TO.
    listed_up_to = inbox.COUNTED_UP_TO if shown > inbox.COUNTED_UP_TO else None
    paginator = CountedPaginator(
        conversations, CONVERSATIONS_PER_PAGE, count=min(shown, inbox.COUNTED_UP_TO)
    )
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "current_section": "messages",
        "queue": queue,
        "state": state,
        "counts": counts,
        "listed_up_to": listed_up_to,
        "page": page,
        "rows": inbox.inbox_rows(page.object_list, now=timezone.now()),
    }
    return render(request, "staff/inbox.html", context)


@staff_view
def conversation_detail(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    return _conversation_page(request, conversation_id)


@staff_view
@require_POST
def conversation_reply(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    form = StaffReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _conversation_page(request, conversation_id, reply_form=form, status=400)
    try:
        reply = inbox.conversation_reply(
            request.user,
            conversation_id,
            body=form.cleaned_data["body"],
            files=form.cleaned_data["attachments"],
            submission_id=form.cleaned_data["submission_id"],
        )
    except ValidationError as error:
        form.add_error("attachments", error)
        return _conversation_page(request, conversation_id, reply_form=form, status=400)
    messages.success(request, _reply_sent_words(reply))
    return redirect("staff:conversation", conversation_id=conversation_id)


@staff_view
@require_POST
def staff_note_add(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _conversation_page(request, conversation_id, note_form=form, status=400)
    inbox.staff_note_add(
        request.user,
        conversation_id,
        form.cleaned_data["body"],
        form.cleaned_data["submission_id"],
    )
    messages.success(request, "Internal note added. The patient cannot see it.")
    return redirect("staff:conversation", conversation_id=conversation_id)


@staff_view
@require_POST
def conversation_assign(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    form = AssigneeIdForm(request.POST)
    assignee_id = form.cleaned_data["assignee"] if form.is_valid() else -1
    try:
        conversation = inbox.conversation_assign(request.user, conversation_id, assignee_id)
    except inbox.AssignmentRefused as error:
        messages.error(request, error.message)
    else:
        assignee = conversation.assigned_to
        if assignee is None:
            messages.success(request, "The conversation is no longer assigned to anyone.")
        else:
            name = assignee.get_full_name() or assignee.get_username()
            messages.success(request, f"Assigned to {name}.")
    return redirect("staff:conversation", conversation_id=conversation_id)


@staff_view
@require_POST
def conversation_mark_done(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    if inbox.conversation_mark_done(request.user, conversation_id):
        messages.success(
            request, "Marked done. It comes back to the inbox if the patient writes again."
        )
    else:
        messages.info(request, "This conversation was already marked done.")
    return redirect("staff:inbox")


@staff_patient_view(section=Section.MESSAGES, action=AuditAction.CREATE, object_type="Conversation")
def conversation_start(request: HttpRequest) -> HttpResponse:
    """The care team writes to a patient first; the conversation then lives in the inbox.

    It is the patient side's own service, called with the staff access: the message is the care
    team's (and reads so for the patient), the patient is notified as for a reply, a repeated
    submission id returns the first conversation, and the one audit event is the message.
    """
    access = request.patient_access
    if access.role != ActorRole.STAFF:
        # A staff member's own record: they write to their clinic from the patient side.
        raise Http404
    recipients = messaging_selectors.recipients_for(access=access)
    has_account = enrollment_selectors.patient_has_account(access=access)
    data = (request.POST, request.FILES) if request.method == "POST" else ()
    form = StaffComposeForm(*data, recipients=recipients)
    if request.method == "POST" and has_account and form.is_valid():
        conversation = conversation_start_from(form, access=access)
        if conversation is not None:
            opening = selectors.opening_message(conversation=conversation)
            messages.success(request, _reply_sent_words(opening, what="message"))
            return redirect("staff:conversation", conversation_id=conversation.pk)
    if request.method == "POST":
        # Nothing was sent: the page was only shown again, with what to fix.
        policy.access_record(access, action=AuditAction.VIEW)
    context = {
        "current_section": "patients",
        "patient": access.patient,
        "form": form,
        "has_recipients": bool(recipients),
        "has_account": has_account,
    }
    return render(request, "staff/conversation_start.html", context)


def _reply_sent_words(reply, *, what: str = "reply") -> str:
    """Say the patient was told only when a notice was queued; otherwise how to reach them."""
    if selectors.reply_notice_queued(message_id=reply.pk):
        return f"Your {what} was sent. We let the patient know a message is waiting."
    phone = reply.conversation.patient.phone
    reach = (
        f"call them on {phone}"
        if phone
        else "no phone number is on file, so tell them at their next contact"
    )
    return (
        f"Your {what} was sent, but the patient has no confirmed email or mobile number for "
        f"notices, so they will not know it is waiting: {reach}."
    )


def _conversation_page(
    request: HttpRequest, conversation_id: uuid.UUID, *, status: int = 200, **forms: Any
) -> HttpResponse:
    opened = inbox.conversation_open_for_staff(request.user, conversation_id)
    # The staff frame then says whose record this is, as on every patient page in the console.
    request.patient_access = opened.access
    context = {
        "current_section": "messages",
        "opened": opened,
        "conversation": opened.conversation,
        "patient": opened.conversation.patient,
        "reply_form": forms.get("reply_form") or StaffReplyForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "assign_form": AssignForm(
            colleagues=opened.colleagues,
            initial={"assignee": opened.conversation.assigned_to_id or ""},
        ),
    }
    return render(request, "staff/inbox_conversation.html", context, status=status)
