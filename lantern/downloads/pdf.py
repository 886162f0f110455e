"""Readable PDF copies of the record and of one result, drawn with fpdf2 (pure Python).

Text is set in DejaVu Sans when the font is installed (Debian's fonts-dejavu-core, present on the
project's machines), which covers accented letters and most scripts. Without it the copy falls
back to the PDF core font Helvetica, and characters it cannot show become "?" rather than failing.

The copy is written in the active language (the account's, on a download): its headings and
Lantern's words are translated, dates and numbers follow the language, and what the record holds
(clinical names, medicines, notes) is printed as recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fpdf import FPDF
from fpdf.fonts import FontFace

from lantern.clinical import models as clinical
from lantern.record.document_text import document_text
from lantern.record.dosage import dosage_in_words
from lantern.record.templatetags.record_tags import status_words
from lantern.results.flags import flag_word, plain_name, range_words, value_in_words
from lantern.results.plain_names import name_in_one_line, names_for
from lantern.results.presenters import kind_words
from lantern.results.templatetags.lantern_dates import day, partial_day

from .selectors import SECTION_LIMIT, RecordSummary, Section

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FAMILY = "DejaVu"
CORE_FAMILY = "Helvetica"


# The region a language without one is written for: the clinic's American English.
DEFAULT_REGIONS = {"en": "en-US"}


def document_language() -> str:
    """The active language as a BCP 47 tag ("en-US", "es", "es-MX"), as PDF readers expect it."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    tag = translation.to_locale(language).replace("_", "-")
    return DEFAULT_REGIONS.get(tag, tag)


class Document(FPDF):
    """An A4-ish page with the clinic's name on top and page numbers below."""

    def __init__(self, title: str, clinic_name: str) -> None:
        super().__init__(format="Letter")
        self.document_title = title
        self.clinic_name = clinic_name
        self.family = CORE_FAMILY
        regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            self.add_font(FONT_FAMILY, "", str(regular))
            self.add_font(FONT_FAMILY, "B", str(bold))
            self.family = FONT_FAMILY
        self.set_title(title)
        # Screen readers choose their voice and pronunciation from the catalog's /Lang entry, so
        # the copy names the language it is written in: the active one, as a BCP 47 tag.
        self.set_lang(document_language())
        self.set_creator("Lantern")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)
        self.alias_nb_pages()
        self.add_page()

    def text_of(self, value: object) -> str:
        text = "" if value is None else str(value)
        if self.family == CORE_FAMILY:
            return text.encode("latin-1", errors="replace").decode("latin-1")
        return text

    def header(self) -> None:
        self.set_font(self.family, "", 9)
        self.cell(0, 6, self.text_of(self.clinic_name), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self.family, "", 9)
        words = _("%(title)s - page %(page)s of %(pages)s") % {
            "title": self.document_title,
            "page": self.page_no(),
            "pages": "{nb}",
        }
        self.cell(0, 8, self.text_of(words), align="C")

    def heading(self, text: str, size: int = 14) -> None:
        self.ln(3)
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.5, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def paragraph(self, text: str) -> None:
        self.set_font(self.family, "", 10)
        self.multi_cell(0, 5, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def facts(self, pairs: Sequence[tuple[str, str]]) -> None:
        for label, value in pairs:
            if value:
                self.set_font(self.family, "B", 10)
                self.cell(45, 5, self.text_of(label))
                self.set_font(self.family, "", 10)
                self.multi_cell(0, 5, self.text_of(value), new_x="LMARGIN", new_y="NEXT")

    def rows(
        self,
        headings: Sequence[str],
        rows: Sequence[Sequence[object]],
        *,
        empty: str,
        widths: Sequence[int] | None = None,
        truncated: bool = False,
    ) -> None:
        if not rows:
            self.paragraph(empty)
            return
        if truncated:
            self.paragraph(latest_only())
        self.set_font(self.family, "", 9)
        with self.table(
            col_widths=widths,
            headings_style=FontFace(emphasis="BOLD"),
            line_height=5,
            text_align="LEFT",
        ) as table:
            table.row([self.text_of(h) for h in headings])
            for row in rows:
                table.row([self.text_of(cell) for cell in row])
        self.ln(2)


def latest_only() -> str:
    return _("This copy shows the latest %(count)s entries only.") % {"count": SECTION_LIMIT}


# The record's words that the clinical models keep in English (for the staff console): a
# patient's sex and a result's status, in the copy's language. Other statuses are worded as the
# record's pages word them (`status_words`).
PDF_WORDS = {
    "Female": gettext_lazy("Female"),
    "Male": gettext_lazy("Male"),
    "Other": gettext_lazy("Other"),
    "Unknown": gettext_lazy("Unknown"),
    "Registered": gettext_lazy("Registered"),
    "Preliminary": gettext_lazy("Preliminary"),
    "Final": gettext_lazy("Final"),
    "Amended": gettext_lazy("Amended"),
    "Corrected": gettext_lazy("Corrected"),
    "Cancelled": gettext_lazy("Cancelled"),
    "Entered in error": gettext_lazy("Entered in error"),
}


def words_for(label: str) -> str:
    """A label of the clinical models ("Final", "Came back") in the copy's language."""
    found = PDF_WORDS.get(str(label))
    return str(found) if found is not None else status_words(label)


def when(value: dt.datetime | dt.date | None, precision: str | None = None) -> str:
    """ "Apr 30, 2011" in the clinic's time zone ("30 abr 2011" in Spanish); a date its source
    gave without a time (its `precision` from the record's `date_precisions`) as given, read in
    UTC where the importer stored it and never shifted: "Apr 30, 2011", "May 2011", "1990"."""
    if value is None:
        return ""
    if precision:
        return partial_day(value, precision)
    return day(value)


def recorded_when(record: Any, name: str) -> str:
    """`when` for a record's date field at its precision; where the source gave words instead
    of a date (`date_texts`: "Fall 2012"), those words as given."""
    value = getattr(record, name)
    if value is None:
        return (getattr(record, "date_texts", None) or {}).get(name, "")
    return when(value, record.date_precisions.get(name))


def result_rows(observations: Sequence[clinical.Observation]) -> list[list[str]]:
    """Results as the pages word them (values rounded as a clinician writes them, units in
    words); the FHIR download is the one that keeps each recorded value exactly."""
    return [
        [
            name_in_one_line(o.code, o.display) or o.code,
            value_in_words(o),
            range_words(o),
            flag_word(o),
            when(o.effective_at, o.date_precisions.get("effective_at")),
        ]
        for o in observations
    ]


RESULT_HEADINGS = [
    gettext_lazy("Test"),
    gettext_lazy("Result"),
    gettext_lazy("Normal range"),
    gettext_lazy("Flag"),
    gettext_lazy("Date"),
]
RESULT_WIDTHS = [60, 40, 35, 20, 25]
# In the record's copy the date and the report head each group, so the rows leave them out.
GROUPED_RESULT_HEADINGS = RESULT_HEADINGS[:-1]
GROUPED_RESULT_WIDTHS = [70, 45, 45, 20]


def result_groups(
    observations: Sequence[clinical.Observation],
) -> list[tuple[str, list[clinical.Observation]]]:
    """The values grouped as a clinician reads them: by the day taken, then by the report that
    lists them ("Feb 25, 2020 - Lipid panel"); values of no report are "Other results". The
    values come newest first and ordered by report, so each group is one run of them."""
    groups: list[tuple[str, list[clinical.Observation]]] = []
    last_key: tuple[str, str] | None = None
    for observation in observations:
        report = getattr(observation, "report_name", None) or ""
        day = when(observation.effective_at, observation.date_precisions.get("effective_at")) or _(
            "Date not recorded"
        )
        key = (day, report)
        if key != last_key:
            name = names_for(getattr(observation, "report_code", "") or "", report)[0]
            name = name or _("Other results")
            groups.append((f"{day} - {name}", []))
            last_key = key
        groups[-1][1].append(observation)
    return groups


def result_comments(observations: Sequence[clinical.Observation]) -> list[tuple[str, str]]:
    """(test name, the clinician's comment) for each value that has one (`Observation.note`)."""
    return [(name_in_one_line(o.code, o.display) or o.code, o.note) for o in observations if o.note]


def grouped_result_rows(observations: Sequence[clinical.Observation]) -> list[list[str]]:
    return [row[:-1] for row in result_rows(observations)]


# The copy prints the words of this many of the newest notes, each up to NOTE_CHARACTERS; every
# document is still listed (bounded like every section), and the portal shows each in full.
NOTES_IN_FULL = 20
NOTE_CHARACTERS = 3000


def document_name(document: clinical.DocumentReference) -> str:
    return (
        document.title or plain_name(document.display) or document.category_display or _("Document")
    )


def document_rows(documents: Sequence[clinical.DocumentReference]) -> list[list[str]]:
    return [
        [
            when(document.date),
            document_name(document),
            document.author.display_name if document.author else "",
        ]
        for document in documents
    ]


def note_extracts(documents: Sequence[clinical.DocumentReference]) -> list[tuple[str, str]]:
    """The newest notes' words as (heading, text), each cut at NOTE_CHARACTERS with a word
    that says so."""
    notes = [document for document in documents if document.content_text.strip()]
    extracts = []
    for document in notes[:NOTES_IN_FULL]:
        # A note written as HTML is printed as its words, never as markup.
        text = document_text(document).strip()
        if "html" in document.content_type.lower():
            text = " ".join(text.split())
        if len(text) > NOTE_CHARACTERS:
            text = (
                text[:NOTE_CHARACTERS].rsplit(" ", 1)[0]
                + " ... "
                + _("(the whole note is in the portal)")
            )
        dated = when(document.date) or _("Undated")
        extracts.append((f"{dated} - {document_name(document)}", text))
    return extracts


def medicine_rows(medications: Sequence[clinical.MedicationRequest]) -> list[list[str]]:
    """One row per medicine, however often it was prescribed: the newest prescription's dosage,
    status and date, and how many times it was prescribed (the list comes newest first)."""
    rows: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for medication in medications:
        name = medication.display or medication.code
        key = (medication.code or name).casefold()
        counts[key] = counts.get(key, 0) + 1
        if key not in rows:
            rows[key] = [
                name,
                dosage_in_words(medication),
                reasons_in_words(medication),
                words_for(medication.get_status_display()),
                when(medication.authored_at, medication.date_precisions.get("authored_at")),
            ]
    return [[*row, str(counts[key])] for key, row in rows.items()]


def reasons_in_words(record: clinical.MedicationRequest | clinical.Procedure) -> str:
    """Every reason, by its plain name."""
    return "; ".join(plain_name(name) for name in record.reason_names)


def procedure_place(procedure: clinical.Procedure) -> str:
    """Where a procedure was done: its own place, else its visit's ("" if none is recorded)."""
    visit = procedure.encounter
    places = [procedure.location]
    if visit is not None:
        places += [visit.location, visit.service_provider]
    return next((place.name for place in places if place is not None and place.name), "")


def procedure_rows(procedures: Sequence[clinical.Procedure]) -> list[list[str]]:
    """Procedures as the record's page words them: plain names, the status in words, the place
    and the reason."""
    return [
        [
            recorded_when(p, "performed_start"),
            plain_name(p.display) or p.code,
            words_for(p.get_status_display()),
            procedure_place(p),
            reasons_in_words(p),
        ]
        for p in procedures
    ]


def record_pdf(summary: RecordSummary, *, procedures: Section | None = None) -> bytes:
    """The readable copy of the whole record. `procedures` (bounded like the summary's
    sections, newest first, with their place and their visit's place loaded) adds a Procedures
    section after the vaccines."""
    patient = summary.patient
    clinic = summary.organization.name if summary.organization else _("Your clinic")
    pdf = Document(_("Health record"), clinic)
    pdf.heading(_("Health record of %(name)s") % {"name": patient.display_name}, size=18)
    pdf.paragraph(
        _("Made on %(day)s. Keep this copy private: it holds health information.")
        % {"day": when(timezone.now())}
    )

    pdf.heading(_("Your details"))
    pdf.facts(
        [
            (_("Name"), patient.display_name),
            (
                _("Date of birth"),
                when(patient.birth_date, patient.date_precisions.get("birth_date")),
            ),
            (_("Sex"), words_for(patient.get_sex_display()) if patient.sex else ""),
            (_("Record number"), patient.mrn),
            (_("Phone"), patient.phone),
            (_("Email"), patient.email),
            (
                _("Address"),
                ", ".join(
                    p
                    for p in (
                        patient.address_line,
                        patient.city,
                        patient.state,
                        patient.postal_code,
                    )
                    if p
                ),
            ),
            (_("Clinic"), clinic if summary.organization else ""),
        ]
    )

    pdf.heading(_("Health problems"))
    pdf.rows(
        [_("Problem"), _("Status"), _("Since"), _("Ended")],
        [
            [
                plain_name(c.display) or c.code,
                words_for(c.get_clinical_status_display()) if c.clinical_status else "",
                recorded_when(c, "onset_at"),
                recorded_when(c, "abated_at"),
            ]
            for c in summary.problems.rows
        ],
        empty=_("No health problems are recorded."),
        widths=[85, 30, 32, 33],
        truncated=summary.problems.truncated,
    )

    pdf.heading(_("Medicines"))
    pdf.rows(
        [
            _("Medicine"),
            _("How to take it"),
            _("What it is for"),
            _("Status"),
            _("Last prescribed"),
            _("Times"),
        ],
        medicine_rows(summary.medications.rows),
        empty=_("No medicines are recorded."),
        widths=[45, 40, 30, 20, 30, 15],
        truncated=summary.medications.truncated,
    )

    pdf.heading(_("Allergies"))
    pdf.rows(
        [_("Allergy"), _("Reactions"), _("Risk"), _("Status")],
        [
            [
                plain_name(a.display) or a.code,
                ", ".join(
                    plain_name(r["manifestation"])
                    for r in a.reactions or []
                    if r.get("manifestation")
                ),
                words_for(a.get_criticality_display()) if a.criticality else "",
                words_for(a.get_clinical_status_display()) if a.clinical_status else "",
            ]
            for a in summary.allergies.rows
        ],
        empty=_("No allergies are recorded."),
        widths=[65, 55, 30, 30],
        truncated=summary.allergies.truncated,
    )

    pdf.heading(_("Vaccines"))
    pdf.rows(
        [_("Vaccine"), _("Date"), _("Status")],
        [
            [
                i.display or i.code,
                recorded_when(i, "occurred_at"),
                words_for(i.get_status_display()),
            ]
            for i in summary.immunizations.rows
        ],
        empty=_("No vaccines are recorded."),
        widths=[110, 35, 35],
        truncated=summary.immunizations.truncated,
    )

    if procedures is not None:
        pdf.heading(_("Procedures"))
        pdf.rows(
            [_("Date"), _("Procedure"), _("Status"), _("Where"), _("Reason")],
            procedure_rows(procedures.rows),
            empty=_("No procedures are recorded."),
            widths=[25, 60, 25, 35, 35],
            truncated=procedures.truncated,
        )

    pdf.heading(_("Recent test results"))
    if not summary.results.rows:
        pdf.paragraph(_("No test results are recorded."))
    elif summary.results.truncated:
        pdf.paragraph(latest_only())
    for title, observations in result_groups(summary.results.rows):
        pdf.heading(title, size=11)
        pdf.rows(
            GROUPED_RESULT_HEADINGS,
            grouped_result_rows(observations),
            empty="",
            widths=GROUPED_RESULT_WIDTHS,
        )
        for name, note in result_comments(observations):
            pdf.paragraph(f"{name}: {note}")

    pdf.heading(_("Visits"))
    pdf.rows(
        [_("Date"), _("Visit"), _("Reason"), _("Seen by"), _("Where")],
        [
            [
                when(v.period_start, v.date_precisions.get("period_start")),
                plain_name(v.type_display) or v.class_code,
                plain_name(v.reason_display),
                v.practitioner.display_name if v.practitioner else "",
                (v.location.name if v.location else "")
                or (v.service_provider.name if v.service_provider else ""),
            ]
            for v in summary.visits.rows
        ],
        empty=_("No visits are recorded."),
        widths=[25, 45, 40, 35, 35],
        truncated=summary.visits.truncated,
    )
    pdf.heading(_("Documents and notes"))
    pdf.rows(
        [_("Date"), _("Document"), _("Written by")],
        document_rows(summary.documents.rows),
        empty=_("No documents are recorded."),
        widths=[25, 105, 50],
        truncated=summary.documents.truncated,
    )
    for heading, text in note_extracts(summary.documents.rows):
        pdf.heading(heading, size=11)
        pdf.paragraph(text)

    return bytes(pdf.output())


def result_pdf(
    patient: clinical.Patient,
    report: clinical.DiagnosticReport,
    observations: Sequence[clinical.Observation],
) -> bytes:
    pdf = Document(_("Test result"), "")
    pdf.heading(
        name_in_one_line(report.code, report.display) or report.code or _("Test result"), size=18
    )
    pdf.facts(
        [
            (_("Patient"), patient.display_name),
            (_("Date"), when(report.effective_at, report.date_precisions.get("effective_at"))),
            (_("Reported"), when(report.issued_at)),
            (_("Kind"), kind_words(report.kind)),
            (_("Status"), words_for(report.get_status_display())),
            (_("Ordered or read by"), report.performer.display_name if report.performer else ""),
        ]
    )
    pdf.heading(_("Results"))
    pdf.rows(
        RESULT_HEADINGS,
        result_rows(observations),
        empty=_("This report has no separate values. Read the report below."),
        widths=RESULT_WIDTHS,
    )
    notes = result_comments(observations)
    if notes:
        pdf.heading(_("Comments"))
        for name, note in notes:
            pdf.paragraph(f"{name}: {note}")
    if report.conclusion:
        pdf.heading(_("What the report says"))
        pdf.paragraph(report.conclusion)
    if report.presented_text:
        pdf.heading(_("Full report"))
        pdf.paragraph(report.presented_text)
    return bytes(pdf.output())


def observation_pdf(
    patient: clinical.Patient, observation: clinical.Observation, ordered_by: str
) -> bytes:
    """A lab value that belongs to no report, as a result of its own."""
    pdf = Document(_("Test result"), "")
    pdf.heading(
        name_in_one_line(observation.code, observation.display)
        or observation.code
        or _("Test result"),
        size=18,
    )
    pdf.facts(
        [
            (_("Patient"), patient.display_name),
            (
                _("Date"),
                when(observation.effective_at, observation.date_precisions.get("effective_at")),
            ),
            (_("Reported"), when(observation.issued_at)),
            (_("Kind"), _("Lab")),
            (_("Status"), words_for(observation.get_status_display())),
            (_("Ordered by"), ordered_by),
        ]
    )
    pdf.heading(_("Result"))
    pdf.rows(RESULT_HEADINGS, result_rows([observation]), empty="", widths=RESULT_WIDTHS)
    if observation.note:
        pdf.heading(_("Comments"))
        pdf.paragraph(observation.note)
    return bytes(pdf.output())
