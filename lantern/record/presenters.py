"""What the record's pages show, worded in Python once per row rather than through a chain of
template filters for each cell (the medicines list's rows are the longest of the patient pages).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.utils.formats import localize
from django.utils.translation import gettext as _

from lantern.clinical.models import Procedure
from lantern.core.reversing import kept_reverse
from lantern.refills.eligibility import Next
from lantern.refills.selectors import MedicationRow
from lantern.results.templatetags.lantern_dates import recorded_day

from .dosage import dosage_in_words
from .templatetags.record_tags import clinical_name, reasons_text, status_words


@dataclass(frozen=True)
class MedicationLine:
    """A medicine as the medicines page shows it, each cell in words ("Not recorded" where the
    prescription says nothing), with its refill state (`row`)."""

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


def medication_lines(
    rows: list[MedicationRow], *, staff_viewing: bool = False, request_href: str = ""
) -> list[MedicationLine]:
    """Each medicine's cells; with `request_href` (the refill request page), the link to ask
    for a refill or a renewal of each one that may be asked for (never for staff)."""
    not_recorded = _("Not recorded")
    not_named = _("Not named")
    ask_words = {
        Next.REFILL: _("Request a refill"),
        Next.RENEWAL: _("Ask for a renewal"),
    }
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
        lines.append(
            MedicationLine(
                row=row,
                display=medication.display,
                name=medication.display or not_named,
                plain_name=row.plain_name,
                how=dosage_in_words(medication) or not_recorded,
                reasons=reasons_text(medication.reason_names) or not_recorded,
                prescriber=(prescriber.display_name if prescriber else "") or not_recorded,
                started=recorded_day(medication, "authored_at") or not_recorded,
                refills_left=not_recorded if refills is None else str(localize(refills)),
                status=status_words(medication.get_status_display()),
                refill_words=refill_words,
                ask_words=ask_words[eligibility.next_step] if asks else "",
                ask_href=f"{request_href}?medication={medication.pk}" if asks else "",
            )
        )
    return lines


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
