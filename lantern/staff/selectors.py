"""Reads for the staff console. Patient lists always start from the access policy."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import CharField, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from lantern.access.policy import patients_for
from lantern.clinical.models import Patient, ReportKind
from lantern.messaging.models import Conversation, Message
from lantern.notifications.models import Notification
from lantern.results.release import observations_on_hold, release_delays, reports_on_hold

SEARCH_RESULTS_LIMIT = 50
RESULTS_ON_HOLD_PER_PAGE = 25

REPORT_ON_HOLD = "report"
VALUE_ON_HOLD = "value"
# The columns both selects of the on-hold UNION share, in the same order.
ON_HOLD_COLUMNS = (
    "held_type",
    "held_id",
    "held_name",
    "held_kind",
    "taken_at",
    "release_at",
    "held_patient_id",
    "patient_given_names",
    "patient_family_name",
    "date_precisions",
)
# What each row is, in words, by (type, kind of test).
REPORT_KIND_WORDS = {
    ReportKind.LABORATORY: "Lab report",
    ReportKind.IMAGING: "Imaging report",
    ReportKind.OTHER: "Report",
}
VALUE_WORDS = "Lab value (no report)"


@dataclass(frozen=True)
class HeldResult:
    """One row of the "Results on hold" queue: a held report, or a held lab value of no report."""

    held_type: str
    result_id: uuid.UUID
    patient_id: uuid.UUID
    patient_name: str
    test_name: str
    kind_words: str
    taken_at: dt.datetime | None
    release_at: dt.datetime
    # "year", "month" or "day" when the source gave the date taken without a time.
    taken_precision: str | None = None

    @property
    def is_report(self) -> bool:
        return self.held_type == REPORT_ON_HOLD


def patients_search(*, user, query: str) -> QuerySet[Patient]:
    """Patients of the user's clinics whose MRN is the query or whose names contain every word."""
    words = query.split()
    if not words:
        return Patient.objects.none()
    by_name = Q()
    for word in words:
        by_name &= Q(given_names__icontains=word) | Q(family_name__icontains=word)
    return (
        patients_for(user)
        .filter(by_name | Q(mrn__iexact=query.strip()))
        .select_related("account")
        .order_by("family_name", "given_names", "mrn")[:SEARCH_RESULTS_LIMIT]
    )


def _on_hold_row(queryset: QuerySet, *, held_type: str, kind) -> QuerySet:
    return (
        queryset.annotate(
            held_type=Value(held_type, output_field=CharField()),
            held_id=F("pk"),
            held_name=F("display"),
            held_kind=kind,
            taken_at=Coalesce(F("effective_at"), F("issued_at")),
            held_patient_id=F("patient_id"),
            patient_given_names=F("patient__given_names"),
            patient_family_name=F("patient__family_name"),
        )
        .order_by()
        .values(*ON_HOLD_COLUMNS)
    )


def results_on_hold(*, user) -> QuerySet:
    """The user's clinics' results still held from patients, soonest release first, as rows.

    Held reports and held lab values of no report, in one UNION query of two selects with the
    same columns, so the database orders, counts and pages them together at a constant cost.
    """
    delays = release_delays()
    reports = reports_on_hold(user=user, delays=delays)
    values = observations_on_hold(user=user, delays=delays)
    # With no delay for a kind, the release module answers `none()`, which has no `release_at`:
    # leave that select out of the UNION.
    parts = [
        _on_hold_row(queryset, held_type=held_type, kind=kind)
        for queryset, held_type, kind in [
            (reports, REPORT_ON_HOLD, F("kind")),
            (values, VALUE_ON_HOLD, Value(ReportKind.LABORATORY.value, output_field=CharField())),
        ]
        if not queryset.query.is_empty()
    ]
    if not parts:
        return reports.values("pk")
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return rows.order_by("release_at", "held_type", "held_id")


def results_on_hold_count(*, user) -> int:
    """How many of the user's clinics' results (reports and lab values) are still held back."""
    return results_on_hold(user=user).order_by().count()


def _held_result(row: dict) -> HeldResult:
    is_report = row["held_type"] == REPORT_ON_HOLD
    name = " ".join(filter(None, [row["patient_given_names"], row["patient_family_name"]]))
    return HeldResult(
        held_type=row["held_type"],
        result_id=uuid.UUID(str(row["held_id"])),
        patient_id=uuid.UUID(str(row["held_patient_id"])),
        patient_name=name,
        test_name=row["held_name"] or "Test result",
        kind_words=REPORT_KIND_WORDS.get(row["held_kind"], "Report") if is_report else VALUE_WORDS,
        taken_at=row["taken_at"],
        release_at=row["release_at"],
        taken_precision=(row["date_precisions"] or {}).get("effective_at"),
    )


def results_on_hold_page(*, user, page_number: str | None) -> Page:
    """One page of `results_on_hold`, each row a HeldResult (the same few queries for any page)."""
    page = Paginator(results_on_hold(user=user), RESULTS_ON_HOLD_PER_PAGE).get_page(page_number)
    page.object_list = [_held_result(row) for row in page.object_list]
    return page


def reply_notice_queued(*, message_id: uuid.UUID) -> bool:
    """Whether a reply's "a message is waiting" notice was queued for any account.

    The messaging service keys each account's notice "message:<message id>:<user id>", so a row
    with that prefix exists exactly when someone with a confirmed address will be told.
    """
    return Notification.objects.filter(dedupe_key__startswith=f"message:{message_id}:").exists()


def opening_message(*, conversation: Conversation) -> Message:
    """The first message of a conversation (the one a nurse wrote when starting it)."""
    return (
        Message.objects.filter(conversation=conversation)
        .select_related("conversation__patient")
        .order_by("created_at", "pk")
        .first()
    )
