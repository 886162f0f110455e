"""Keyset paging: a page starts after the last resource of the previous one, by (date, id).

The `next` link carries an opaque cursor: the id of the last resource served (a random UUID,
no patient data), signed so a client cannot forge one. The next page looks that resource's
date up again and continues strictly after (date, id) in the search's order, so resources that
arrive meanwhile never shift a page: with the newest first they land before the cursor, with
the oldest first after it. Resources without a date come last in either order.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db.models import F, Q, QuerySet

from .outcomes import bad_request

SALT = "lantern.fhir_api.cursor"


def cursor_dump(**values: str) -> str:
    return signing.dumps(values, salt=SALT, compress=False)


def cursor_load(cursor: str) -> dict[str, str]:
    try:
        values = signing.loads(cursor, salt=SALT)
    except signing.BadSignature as error:
        raise bad_request("The page link is not valid; run the search again.") from error
    if not isinstance(values, dict):
        raise bad_request("The page link is not valid; run the search again.")
    return values


def ordered(queryset: QuerySet, date_field: str | None, *, descending: bool) -> QuerySet:
    """The search's order: by date (missing dates last), then by id, so it is total."""
    if date_field is None:
        return queryset.order_by("-pk" if descending else "pk")
    date = F(date_field)
    if descending:
        return queryset.order_by(date.desc(nulls_last=True), "-pk")
    return queryset.order_by(date.asc(nulls_last=True), "pk")


def after(
    queryset: QuerySet, date_field: str | None, *, descending: bool, last_pk: Any, last_date: Any
) -> QuerySet:
    """The rows strictly after (last_date, last_pk) in the order `ordered` gives."""
    beyond = "lt" if descending else "gt"
    next_id = Q(**{f"pk__{beyond}": last_pk})
    if date_field is None:
        return queryset.filter(next_id)
    if last_date is None:
        return queryset.filter(Q(**{f"{date_field}__isnull": True}) & next_id)
    return queryset.filter(
        Q(**{f"{date_field}__{beyond}": last_date})
        | (Q(**{date_field: last_date}) & next_id)
        | Q(**{f"{date_field}__isnull": True})
    )
