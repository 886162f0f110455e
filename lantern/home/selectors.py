"""Reads for the patient's home page. Each takes the PatientAccess the view was granted."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import F

from lantern.access.policy import PatientAccess, records_for
from lantern.clinical.models import Encounter
from lantern.results.selectors import results_for_patient

# The home page shows at most this many recent results and visits together.
RECENT_ACTIVITY_LIMIT = 5


@dataclass(frozen=True)
class ActivityItem:
    """One recent result or visit, as the home page lists it."""

    kind: str  # "result" or "visit"
    title: str
    happened_at: dt.datetime | None
    object_id: uuid.UUID
    is_new: bool = False


@dataclass(frozen=True)
class HomeSummary:
    new_results: int
    recent_activity: list[ActivityItem]


def _newest_first(item: ActivityItem) -> tuple[bool, float]:
    # Items without a date go last; among dated items the newest comes first.
    if item.happened_at is None:
        return (True, 0.0)
    return (False, -item.happened_at.timestamp())


def recent_activity_list(
    *, access: PatientAccess, limit: int = RECENT_ACTIVITY_LIMIT
) -> list[ActivityItem]:
    """The newest results and visits together, newest first, in two bounded queries."""
    reports = results_for_patient(access=access).only(
        "pk", "display", "kind", "effective_at", "created_at"
    )[:limit]
    visits = (
        records_for(access, Encounter)
        .only("pk", "type_display", "period_start", "created_at")
        .order_by(F("period_start").desc(nulls_last=True), "-created_at")[:limit]
    )
    items = [
        ActivityItem(
            kind="result",
            title=report.display or "Test result",
            happened_at=report.effective_at,
            object_id=report.pk,
            is_new=not report.is_seen,
        )
        for report in reports
    ] + [
        ActivityItem(
            kind="visit",
            title=visit.type_display or "Visit",
            happened_at=visit.period_start,
            object_id=visit.pk,
        )
        for visit in visits
    ]
    return sorted(items, key=_newest_first)[:limit]


def new_results_count(*, access: PatientAccess) -> int:
    """How many of the patient's results this account has not opened yet."""
    return results_for_patient(access=access).filter(is_seen=False).count()


def home_summary(*, access: PatientAccess) -> HomeSummary:
    """What the home page shows: what needs attention first, then recent activity."""
    return HomeSummary(
        new_results=new_results_count(access=access),
        recent_activity=recent_activity_list(access=access),
    )
