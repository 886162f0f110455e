"""The health summary: an index and one page per kind of record."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe

from lantern.access import policy
from lantern.access.decorators import patient_view, signed_in
from lantern.access.models import Section
from lantern.audit.models import ActorRole, AuditAction
from lantern.clinical.document_files import EXTENSIONS, document_file_path, media_type
from lantern.clinical.models import DocumentReference
from lantern.core.reversing import kept_reverse
from lantern.refills import selectors as refill_selectors

from . import selectors
from .document_text import document_text
from .presenters import medication_lines, procedure_lines

logger = logging.getLogger(__name__)


def _own_patient_id(request: HttpRequest) -> uuid.UUID:
    # An account without a record of its own (staff) has no summary to go to.
    if request.user.patient_id is None:
        raise Http404
    return request.user.patient_id


@signed_in
def my_record(request: HttpRequest) -> HttpResponse:
    return redirect("record:index", patient_id=_own_patient_id(request))


@signed_in
def my_medications(request: HttpRequest) -> HttpResponse:
    return redirect("record:medications", patient_id=_own_patient_id(request))


def _render(
    request: HttpRequest, template: str, section: str = "record", **context
) -> HttpResponse:
    context.update(current_section=section, patient=request.patient_access.patient)
    return render(request, template, context)


@dataclass(frozen=True)
class SectionCard:
    """One part of the record as the index shows it: how many it holds, and its page."""

    heading: str
    count: int
    # "3 health problems" in the page's language; "" for none.
    count_words: str
    # The card's link: "See health problems".
    link_words: str
    href: str


# Each card of the index, in order: heading, the RecordSummary field counted, the page's URL
# name, and the section the access must open for it.
INDEX_CARDS = (
    (gettext_lazy("Health problems"), "problems", "record:problems", ""),
    (gettext_lazy("Medications"), "medications", "record:medications", "medications"),
    (gettext_lazy("Allergies"), "allergies", "record:allergies", ""),
    (gettext_lazy("Immunizations"), "immunizations", "record:immunizations", ""),
    (gettext_lazy("Procedures"), "procedures", "record:procedures", ""),
    (gettext_lazy("Vital signs"), "vitals", "record:vitals", ""),
    (gettext_lazy("Visits"), "visits", "record:visits", ""),
    (gettext_lazy("Documents"), "documents", "record:documents", "notes"),
)


def _count_words(field: str, count: int) -> str:
    """ "1 health problem", "3 vaccines"... in the page's language."""
    words = {
        "problems": ngettext("%(count)s health problem", "%(count)s health problems", count),
        "medications": ngettext("%(count)s medication", "%(count)s medications", count),
        "allergies": ngettext("%(count)s allergy", "%(count)s allergies", count),
        "immunizations": ngettext("%(count)s vaccine", "%(count)s vaccines", count),
        "procedures": ngettext("%(count)s procedure", "%(count)s procedures", count),
        "vitals": ngettext(
            "%(count)s kind of measurement", "%(count)s kinds of measurement", count
        ),
        "visits": ngettext("%(count)s visit", "%(count)s visits", count),
        "documents": ngettext("%(count)s document", "%(count)s documents", count),
    }[field]
    return words % {"count": count} if count else ""


def _section_cards(
    access: policy.PatientAccess, summary: selectors.RecordSummary
) -> list[SectionCard]:
    # Built here rather than by one template include per card: the index draws them in a loop.
    return [
        SectionCard(
            heading=str(heading),
            count=getattr(summary, field),
            count_words=_count_words(field, getattr(summary, field)),
            link_words=_("See %(part)s") % {"part": str(heading).lower()},
            href=reverse(url_name, kwargs={"patient_id": access.patient.pk}),
        )
        for heading, field, url_name, needs in INDEX_CARDS
        if not needs or access.may(needs)
    ]


@patient_view(section=Section.RECORD, object_type="record")
def index(request: HttpRequest) -> HttpResponse:
    access = request.patient_access
    summary = selectors.record_summary_count(access=access)
    return _render(
        request, "record/index.html", summary=summary, cards=_section_cards(access, summary)
    )


@patient_view(section=Section.RECORD, object_type="Condition")
def problems(request: HttpRequest) -> HttpResponse:
    page = selectors.problems_page(
        access=request.patient_access, page_number=request.GET.get("page")
    )
    return _render(request, "record/problems.html", page=page)


@patient_view(section=Section.MEDICATIONS, object_type="MedicationRequest")
def medications(request: HttpRequest) -> HttpResponse:
    access = request.patient_access
    page = selectors.medications_page(access=access, page_number=request.GET.get("page"))
    rows = refill_selectors.medication_rows(access=access, medications=page.object_list)
    request_href = kept_reverse("refills:request", [access.patient.pk])
    current = medication_lines(
        [row for row in rows if not row.medication.inactive],
        staff_viewing=access.role == ActorRole.STAFF,
        request_href=request_href,
    )
    return _render(
        request,
        "record/medications.html",
        section="medications",
        page=page,
        current=current,
        past=medication_lines([row for row in rows if row.medication.inactive], past=True),
        requests=refill_selectors.refill_requests_recent(access=access),
        request_refill_href=request_href,
    )


@patient_view(section=Section.RECORD, object_type="AllergyIntolerance")
def allergies(request: HttpRequest) -> HttpResponse:
    page = selectors.allergies_page(
        access=request.patient_access, page_number=request.GET.get("page")
    )
    return _render(request, "record/allergies.html", page=page)


@patient_view(section=Section.RECORD, object_type="Immunization")
def immunizations(request: HttpRequest) -> HttpResponse:
    page = selectors.immunizations_page(
        access=request.patient_access, page_number=request.GET.get("page")
    )
    return _render(request, "record/immunizations.html", page=page)


@patient_view(section=Section.RECORD, object_type="Procedure")
def procedures(request: HttpRequest) -> HttpResponse:
    access = request.patient_access
    page = selectors.procedures_page(access=access, page_number=request.GET.get("page"))
    lines = procedure_lines(page.object_list, access.patient.pk)
    return _render(request, "record/procedures.html", page=page, lines=lines)


@patient_view(section=Section.RECORD, object_type="Observation")
def vitals(request: HttpRequest) -> HttpResponse:
    vital_signs = selectors.vital_signs_latest(access=request.patient_access)
    return _render(request, "record/vitals.html", vital_signs=vital_signs)


@patient_view(section=Section.RECORD, object_type="Encounter")
def visits(request: HttpRequest) -> HttpResponse:
    page = selectors.visits_page(access=request.patient_access, page_number=request.GET.get("page"))
    return _render(request, "record/visits.html", page=page)


@patient_view(section=Section.RECORD, object_type="Encounter")
def visit(request: HttpRequest, visit_id: uuid.UUID) -> HttpResponse:
    detail = selectors.visit_detail(access=request.patient_access, visit_id=visit_id)
    return _render(request, "record/visit.html", detail=detail)


@patient_view(section=Section.NOTES, object_type="DocumentReference")
def documents(request: HttpRequest) -> HttpResponse:
    page = selectors.documents_page(
        access=request.patient_access, page_number=request.GET.get("page")
    )
    return _render(request, "record/documents.html", page=page)


@patient_view(section=Section.NOTES, object_type="DocumentReference")
def document(request: HttpRequest, document_id: uuid.UUID) -> HttpResponse:
    found = selectors.document_detail(access=request.patient_access, document_id=document_id)
    return _render(request, "record/document.html", document=found, text=document_text(found))


@patient_view(section=Section.NOTES, action=AuditAction.EXPORT, object_type="DocumentReference")
@require_safe
def document_file(request: HttpRequest, document_id: uuid.UUID) -> FileResponse:
    access = request.patient_access
    found = selectors.document_file_for_access(access=access, document_id=document_id)
    try:
        file = document_file_path(found.content_file).open("rb")
    except FileNotFoundError:
        logger.error("DocumentReference %s has no file %s", found.pk, found.content_file)
        raise Http404 from None
    # Recorded once the file is open: a file that is missing was not downloaded.
    policy.access_record(access, object_type="DocumentReference", object_id=found.pk)
    kind = media_type(found.content_type)
    response = FileResponse(
        file,
        as_attachment=True,
        filename=download_name(found),
        content_type=kind if kind in EXTENSIONS else "application/octet-stream",
    )
    # As message attachments are: never rendered as a page, never sniffed, never cached.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def download_name(document: DocumentReference) -> str:
    """The file's name for the download: the document's title (or type), cleaned, and the
    extension its content type gives."""
    try:
        stem = get_valid_filename(document.title or document.display or "document")[:100]
    except SuspiciousFileOperation:
        # Django refuses names that clean to "" or "..".
        stem = ""
    return f"{stem.strip('._') or 'document'}.{document.content_file.rpartition('.')[2]}"
