"""Reads for the patient's home page. Each takes the PatientAccess the view was granted."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice

from lantern.access.models import Section
from lantern.access.policy import PatientAccess, access_template, access_values, records_for
from lantern.audit.models import ActorRole
from lantern.clinical.models import Encounter
from lantern.core.statements import CountsStatement, Statement, param_for
from lantern.messaging.selectors import unread_for_patient
from lantern.mfa.selectors import METHOD_MODELS
from lantern.refills.selectors import pending_for_patient
from lantern.results.flags import Flag
from lantern.results.plain_names import names_for
from lantern.results.release import release_shape, release_statement_values, release_template
from lantern.results.selectors import (
    REPORT_ROW,
    newest_results,
    rows_with_status,
    unseen_reports,
    unseen_values,
)

# The home page shows at most this many recent results and visits together.
RECENT_ACTIVITY_LIMIT = 5
# With this many backup codes left or fewer, the home page asks for new ones.
BACKUP_CODES_LOW = 2
# The second factors other than backup codes.
OTHER_METHOD_MODELS = tuple(METHOD_MODELS.values())


@dataclass(frozen=True)
class ActivityItem:
    """One recent result or visit, as the home page lists it."""

    kind: str  # "result" (a report), "observation" (a lab value of no report) or "visit"
    title: str
    happened_at: dt.datetime | None
    object_id: uuid.UUID
    is_new: bool = False
    # A result's status as the results list words it; None for a visit or "See comment".
    status: Flag | None = None
    # "year", "month" or "day" when the source gave the date without a time (never shifted).
    date_precision: str | None = None


@dataclass(frozen=True)
class HomeCounts:
    """The home page's counts: results not yet opened, replies not yet read, refill requests
    waiting for the clinic."""

    new_results: int
    unread_messages: int
    pending_refills: int


@dataclass(frozen=True)
class HomeSummary:
    counts: HomeCounts
    recent_activity: list[ActivityItem]

    @property
    def new_results(self) -> int:
        return self.counts.new_results


def _newest_first(item: ActivityItem) -> tuple[bool, float]:
    # Items without a date go last; among dated items the newest comes first.
    if item.happened_at is None:
        return (True, 0.0)
    return (False, -item.happened_at.timestamp())


def _newest_visits(limit: int) -> QuerySet[Encounter]:
    return (
        records_for(access_template(ActorRole.SELF), Encounter)
        .only("pk", "type_display", "period_start", "created_at", "date_precisions")
        .order_by(F("period_start").desc(nulls_last=True), "-created_at")[:limit]
    )


# Built once per process (lantern/core/statements.py): the home page runs them on every visit.
_NEWEST_VISITS = Statement(_newest_visits)
_BACKUP_CODES = Statement(
    lambda: (
        StaticDevice.objects.filter(user=param_for(StaticDevice, "user"), confirmed=True)
        .order_by()
        .values("user_id")
        .annotate(devices=Count("pk", distinct=True), left=Count("token_set"))
    )
)


def recent_activity_list(
    *, access: PatientAccess, limit: int = RECENT_ACTIVITY_LIMIT
) -> list[ActivityItem]:
    """The newest results and visits together, newest first, in a few bounded queries."""
    results = rows_with_status(access=access, rows=newest_results(access=access, limit=limit))
    visits = _NEWEST_VISITS.objects((limit,), **access_values(access))
    items = [
        ActivityItem(
            kind="result" if row["result_type"] == REPORT_ROW else "observation",
            title=names_for(row["code"], row["name"])[0] or _("Test result"),
            happened_at=row["taken_at"],
            object_id=uuid.UUID(str(row["result_id"])),
            is_new=not row["is_seen"],
            status=row["status"],
            date_precision=(row["date_precisions"] or {}).get("effective_at"),
        )
        for row in results
    ] + [
        ActivityItem(
            kind="visit",
            title=visit.type_display or _("Visit"),
            happened_at=visit.period_start,
            object_id=visit.pk,
            date_precision=(visit.date_precisions or {}).get("period_start"),
        )
        for visit in visits
    ]
    return sorted(items, key=_newest_first)[:limit]


def _home_counts(medications: bool, *release: Any) -> dict[str, QuerySet]:
    # Each app says what it counts (a queryset of the template access); the home page asks
    # for them together. The release template's patient and account are every count's.
    access = release_template(*release)
    counts = {
        "new_reports": unseen_reports(access),
        "new_values": unseen_values(access),
        "unread_messages": unread_for_patient(access),
    }
    if medications:
        counts["pending_refills"] = pending_for_patient(access)
    return counts


# Built once per process (lantern/core/statements.py): one query of every count on the page.
_HOME_COUNTS = CountsStatement(_home_counts)


def home_counts(*, access: PatientAccess) -> HomeCounts:
    """The home page's counts in one query; each is bounded by the one patient's record."""
    shape = (access.may(Section.MEDICATIONS), *release_shape(access))
    counts = _HOME_COUNTS.run(shape, None, **release_statement_values(access))
    return HomeCounts(
        new_results=counts["new_reports"] + counts["new_values"],
        unread_messages=counts["unread_messages"],
        pending_refills=counts.get("pending_refills", 0),
    )


def home_summary(*, access: PatientAccess) -> HomeSummary:
    """What the home page shows: what needs attention first, then recent activity."""
    return HomeSummary(
        counts=home_counts(access=access),
        recent_activity=recent_activity_list(access=access),
    )


@dataclass(frozen=True)
class WaitingItem:
    """Something the account should do, in words, with the page where it is done."""

    key: str
    title: str
    text: str
    link_text: str
    href: str


def _backup_codes_state(user) -> tuple[bool, int]:
    """Whether the account has backup codes, and how many are left (one small query)."""
    # Grouped by the account: no row at all when it has no backup codes.
    counts = _BACKUP_CODES.rows(user=user.pk)
    return bool(counts), counts[0]["left"] if counts else 0


def _has_other_method(user) -> bool:
    """Whether the account has a second factor other than backup codes.

    A session verified with one of those needs no query (django-otp's middleware has loaded the
    confirmed device it was verified with); one verified with a backup code asks once, in one
    query over every kind.
    """
    if isinstance(getattr(user, "otp_device", None), OTHER_METHOD_MODELS):
        return True
    return bool(_OTHER_METHOD.tuples(user=user.pk))


def _other_method() -> QuerySet:
    first, *rest = (
        model.objects.filter(user=param_for(model, "user"), confirmed=True).values_list("user_id")
        for model in OTHER_METHOD_MODELS
    )
    return first.union(*rest, all=True)[:1]


# Built once per process (lantern/core/statements.py).
_OTHER_METHOD = Statement(_other_method)


def waiting_items(*, user) -> list[WaitingItem]:
    """What the account should see to, each with a link to where it is done (one or two small
    queries, the same whatever the account holds).

    An unconfirmed email address has its own alert on the home page, with a button to resend
    the link, so it is not repeated here.
    """
    items: list[WaitingItem] = []
    if not user.email:
        items.append(
            WaitingItem(
                key="no-email",
                title=_("Add an email address"),
                text=_(
                    "We have no email address for you, so we cannot tell you about new "
                    "results or messages, or help you if you forget your password."
                ),
                link_text=_("Add your email address"),
                href=reverse("accounts:change_email"),
            )
        )
    has_backup_codes, left = _backup_codes_state(user)
    if has_backup_codes and left <= BACKUP_CODES_LOW:
        items.append(
            WaitingItem(
                key="backup-codes-low",
                title=_("You are running out of backup codes"),
                text=ngettext(
                    "You have %(count)s backup code left. "
                    "Make new ones so you can still sign in if you lose your phone.",
                    "You have %(count)s backup codes left. "
                    "Make new ones so you can still sign in if you lose your phone.",
                    left,
                )
                % {"count": left},
                link_text=_("Make new backup codes"),
                href=reverse("mfa:backup_codes"),
            )
        )
    if not _has_other_method(user):
        items.append(
            WaitingItem(
                key="no-second-factor",
                title=_("Add a way to confirm it is you"),
                text=_(
                    "You sign in with backup codes only. Add an authenticator app, a "
                    "passkey or codes by text message, so you do not get locked out."
                ),
                link_text=_("Add a sign-in method"),
                href=reverse("mfa:setup"),
            )
        )
    return items


def short_device(label: str) -> str:
    """The device of a sign-in in a word or two: "iPhone" for "Mobile Safari on iOS (iPhone)",
    "Linux" for "HeadlessChrome on Linux"; the label itself when it names neither."""
    if label.endswith(")") and "(" in label:
        return label[label.rindex("(") + 1 : -1]
    if " on " in label:
        return label.rsplit(" on ", 1)[1]
    return label
