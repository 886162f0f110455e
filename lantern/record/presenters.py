"""What the record's pages show, worded in Python once per row rather than through a chain of
template filters for each cell (the medicines list's rows are the longest of the patient pages).
"""

from __future__ import annotations

import functools
import html
import uuid
from dataclasses import dataclass, field

from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from lantern.clinical.models import MedicationRequestStatus, Procedure
from lantern.core.reversing import kept_reverse
from lantern.core.row_patterns import pattern_words
from lantern.refills.eligibility import Next
from lantern.refills.presenters import status_tag
from lantern.refills.selectors import MedicationRow
from lantern.results.templatetags.lantern_dates import moment, recorded_day

from .dosage import dosage_in_words
from .templatetags.record_tags import clinical_name, reasons_text, status_words


@dataclass
class MedicationLine:
    """A medicine as the medicines page shows it, each cell in words ("Not recorded" where the
    prescription says nothing), with its refill state (`row`), and its table row's cells
    (`cells`: the current medicines' table or the past medicines', as asked)."""

    row: MedicationRow
    display: str  # The name as prescribed ("" if none).
    name: str  # The same, or "Not named".
    plain_name: str
    how: str
    reasons: str
    prescriber: str
    started: str
    refills_left: str
    status: str
    # What can be done about it now, in the reader's words ("" while a request is waiting, whose
    # status the cell shows instead), and the link to ask for it ("" when there is none to ask).
    refill_words: str = ""
    ask_words: str = ""
    ask_href: str = ""
    cells: SafeString = field(default_factory=SafeString)


@dataclass(frozen=True)
class _MedicineWords:
    """The medicines tables' words in one language, worded once per process: what an empty cell
    says, and each row as a `str.format` pattern of its cells, each cell labelled with its
    column's name for the stacked phone layout (the tables' headings' words), escaped once; each
    row fills in its own escaped words."""

    not_recorded: str
    not_named: str
    ask: dict[str, str]
    details: str
    current_row: str
    past_row: str


@functools.lru_cache(maxsize=8)
def _medicine_words(language: str | None) -> _MedicineWords:
    label = pattern_words
    medication, how, reasons, prescriber = (
        label(_("Medication")),
        label(_("How to take it")),
        label(_("What it is for")),
        label(_("Prescribed by")),
    )
    return _MedicineWords(
        not_recorded=_("Not recorded"),
        not_named=_("Not named"),
        ask={Next.REFILL: _("Request a refill"), Next.RENEWAL: _("Ask for a renewal")},
        details=html.escape(_("Details")),
        current_row=(
            f'<th scope="row" data-label="{medication}">{{}}</th>'
            f'<td data-label="{how}">{{}}</td><td data-label="{reasons}">{{}}</td>'
            f'<td data-label="{prescriber}">{{}}</td>'
            f'<td data-label="{label(_("Started"))}">{{}}</td>'
            f'<td data-label="{label(_("Refills left"))}">{{}}</td>'
            f'<td data-label="{label(_("Refills"))}" data-testid="refill-state">{{}}</td>'
        ),
        past_row=(
            f'<th scope="row" data-label="{medication}">{{}}</th>'
            f'<td data-label="{how}">{{}}</td><td data-label="{reasons}">{{}}</td>'
            f'<td data-label="{label(_("Status"))}">'
            '<span class="usa-tag bg-base">{}</span></td>'
            f'<td data-label="{prescriber}">{{}}</td>'
            f'<td data-label="{label(_("Date"))}">{{}}</td>'
        ),
    )


# A prescription's status by its code ("stopped": "Stopped"), as get_status_display() says it.
_STATUS_LABELS = dict(MedicationRequestStatus.choices)


def medication_lines(
    rows: list[MedicationRow],
    *,
    staff_viewing: bool = False,
    request_href: str = "",
    past: bool = False,
) -> list[MedicationLine]:
    """Each medicine's cells; with `request_href` (the refill request page), the link to ask
    for a refill or a renewal of each one that may be asked for (never for staff). The rows'
    cells are worded for the past medicines' table if `past`, else for the current ones'."""
    words = _medicine_words(get_language())
    not_recorded = words.not_recorded
    row_cells = _past_cells if past else _current_cells
    lines = []
    for row in rows:
        medication = row.medication
        prescriber = medication.prescriber
        refills = medication.refills_allowed
        eligibility = row.eligibility
        asks = bool(request_href) and eligibility.may_request and not staff_viewing
        if eligibility.next_step == Next.WAITING:
            refill_words = ""
        else:
            refill_words = eligibility.staff_words if staff_viewing else eligibility.words
        line = MedicationLine(
            row=row,
            display=medication.display,
            name=medication.display or words.not_named,
            plain_name=row.plain_name,
            how=dosage_in_words(medication) or not_recorded,
            reasons=reasons_text(medication.reason_names) or not_recorded,
            prescriber=(prescriber.display_name if prescriber else "") or not_recorded,
            started=recorded_day(medication, "authored_at") or not_recorded,
            refills_left=not_recorded if refills is None else str(localize(refills)),
            status=status_words(_STATUS_LABELS.get(medication.status, medication.status)),
            refill_words=refill_words,
            ask_words=words.ask[eligibility.next_step] if asks else "",
            ask_href=f"{request_href}?medication={medication.pk}" if asks else "",
        )
        line.cells = row_cells(line, words)
        lines.append(line)
    return lines


def _current_cells(line: MedicationLine, words: _MedicineWords) -> SafeString:
    escape = html.escape
    if line.plain_name:
        name = (
            f'<span class="display-block" data-testid="plain-name">{escape(line.plain_name)}'
            f'</span><span class="font-body-2xs text-normal">{escape(line.display)}</span>'
        )
    else:
        name = escape(line.name)
    refill_state = _last_request(line.row, words)
    if line.refill_words:
        refill_state += f'<p class="margin-y-05">{escape(line.refill_words)}</p>'
    if line.ask_href:
        refill_state += (
            f'<a class="usa-link" href="{escape(line.ask_href)}">{escape(line.ask_words)}</a>'
        )
    return mark_safe(  # noqa: S308 (every cell escaped, the pattern's labels too)
        words.current_row.format(
            name,
            escape(line.how),
            escape(line.reasons),
            escape(line.prescriber),
            escape(line.started),
            escape(line.refills_left),
            refill_state,
        )
    )


def _last_request(row: MedicationRow, words: _MedicineWords) -> str:
    """The medicine's latest refill request, as HTML: when, its status, and a link to it."""
    refill = row.last_request
    if refill is None:
        return ""
    when = html.escape(_("Last request %(when)s:") % {"when": moment(refill.created_at)})
    href = html.escape(kept_reverse("refills:detail", [refill.patient_id, refill.pk]))
    return (
        f'<p class="margin-y-0">{when} {status_tag(refill)} '
        f'<a class="usa-link" href="{href}">{words.details}</a></p>'
    )


def _past_cells(line: MedicationLine, words: _MedicineWords) -> SafeString:
    escape = html.escape
    return mark_safe(  # noqa: S308 (every cell escaped, the pattern's labels too)
        words.past_row.format(
            escape(line.name),
            escape(line.how),
            escape(line.reasons),
            escape(line.status),
            escape(line.prescriber),
            escape(line.started),
        )
    )


@dataclass(frozen=True)
class ProcedureLine:
    """A procedure as the procedures page shows it, each cell in words."""

    name: str
    day: str
    # The visit it was done at ("" when the record names none): the date links to it.
    visit_href: str
    status: str
    where: str
    reasons: str


def procedure_lines(procedures: list[Procedure], patient_id: uuid.UUID) -> list[ProcedureLine]:
    """Where a procedure was done is its own place, else its visit's, else the visit's clinic
    (read with the procedures, `selectors.procedures_page`)."""
    not_recorded = _("Not recorded")
    no_date = _("Date not recorded")
    lines = []
    for procedure in procedures:
        visit = procedure.encounter
        places = (
            procedure.location,
            visit.location if visit else None,
            visit.service_provider if visit else None,
        )
        where = next((place.name for place in places if place is not None and place.name), "")
        day = recorded_day(procedure, "performed_start")
        lines.append(
            ProcedureLine(
                name=clinical_name(procedure.display) or _("Not named"),
                day=day or (no_date if visit else not_recorded),
                visit_href=kept_reverse("record:visit", [patient_id, visit.pk]) if visit else "",
                status=status_words(procedure.get_status_display()),
                where=where or not_recorded,
                reasons=reasons_text(procedure.reason_names) or not_recorded,
            )
        )
    return lines
