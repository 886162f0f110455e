"""A bearer token, read: the ApiCaller it stands for, or None.

One query finds the token with its authorization, patient, person and app, on every request:
nothing about a token's validity is kept between requests, so a revoked token, a withdrawn
authorization, a disabled app or an inactive account is refused from the very next request.
"last read" is written at most once a minute per authorization with a conditional UPDATE, so
a busy app does not write a row on every request.

The lookup is on every API request, so it is cheap: the statement is the ORM's own (the same
joins and conditions as `AccessToken.objects.filter(...)`), compiled once per process and
database, and it reads only the columns the caller needs. The person and the patient are
model instances with just those fields loaded (the rest would load on first use, as with
`only()`); the caller needs their ids, whether the account is active, and the patient's birth
date (a parent's access depends on the child's age).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError, connections, router
from django.utils import timezone
from oauth2_provider.models import AccessToken

from lantern.clinical.models import Patient
from lantern.fhir_api.caller import ApiCaller
from lantern.fhir_api.models import AppAuthorization
from lantern.fhir_api.scopes import parse_scopes

LAST_READ_EVERY = dt.timedelta(minutes=1)

_AUTHORIZATION = "launch__authorization__"
# The columns read, in the order of the row; the person's and the patient's by field name.
_TOKEN_COLUMNS = ("pk", "expires", "scope", "application__client_id", "application__name")
USER_FIELDS = ("id", "username", "is_active", "patient_id")
PATIENT_FIELDS = ("id", "birth_date")
# Stands for the checksum while the statement is compiled.
_PLACEHOLDER = "lantern-bearer-checksum"


@dataclass(frozen=True)
class _Statement:
    """The token lookup compiled for one database: its SQL and the ORM's value converters."""

    sql: str
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]


_statements: dict[str, _Statement] = {}


def _token_query():
    return AccessToken.objects.filter(
        token_checksum=_PLACEHOLDER,
        launch__authorization__revoked_at__isnull=True,
        application__registration__disabled_at__isnull=True,
    ).values_list(
        *_TOKEN_COLUMNS,
        "launch__authorization_id",
        f"{_AUTHORIZATION}last_read_at",
        *(f"{_AUTHORIZATION}user__{name}" for name in USER_FIELDS),
        *(f"{_AUTHORIZATION}patient__{name}" for name in PATIENT_FIELDS),
    )[:1]


def _statement(alias: str) -> _Statement:
    statement = _statements.get(alias)
    if statement is None:
        compiler = _token_query().query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if tuple(params) != (_PLACEHOLDER,):  # pragma: no cover - a change in the query
            raise RuntimeError("The token lookup must take the checksum as its only parameter.")
        found = compiler.get_converters([column for column, _, _ in compiler.select])
        converters = tuple((index, tuple(funcs), col) for index, (funcs, col) in found.items())
        statement = _statements[alias] = _Statement(sql, converters)
    return statement


def _health_check_due(connection: Any) -> bool:
    """Whether Django would check the kept connection before its next statement (outside a
    transaction: a statement that fails there cannot simply run again)."""
    return (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )


def _lookup(connection: Any, statement: _Statement, checksum: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [checksum])
        return cursor.fetchone()


def _token_row(raw: str) -> tuple[str, list[Any]] | None:
    checksum = hashlib.sha256(raw.encode("utf-8")).hexdigest()
    alias = router.db_for_read(AccessToken)
    connection = connections[alias]
    statement = _statement(alias)
    if _health_check_due(connection):
        # The lookup is the first statement of every API request, so it is the connection's
        # health check (CONN_HEALTH_CHECKS) too, instead of a `SELECT 1` round trip before it:
        # a connection kept from an earlier request that no longer works (the database
        # restarted, the network dropped it) is closed and the lookup, which only reads, runs
        # again on a new one.
        connection.health_check_done = True
        try:
            found = _lookup(connection, statement, checksum)
        except (InterfaceError, OperationalError):
            connection.close()
            found = _lookup(connection, statement, checksum)
    else:
        found = _lookup(connection, statement, checksum)
    if found is None:
        return None
    row = list(found)
    for index, funcs, column in statement.converters:
        for convert in funcs:
            row[index] = convert(row[index], column, connection)
    return alias, row


def caller_for_token(raw: str) -> ApiCaller | None:
    """The caller a raw bearer token stands for; None when the token is unknown, expired or
    revoked, its authorization was withdrawn, or the clinic disabled the app."""
    if not raw or len(raw) > 512:
        return None
    found = _token_row(raw)
    if found is None:
        return None
    alias, row = found
    token_id, expires, scope, client_id, app_name = row[:5]
    authorization_id, last_read_at = row[5:7]
    user_values = row[7 : 7 + len(USER_FIELDS)]
    patient_values = row[7 + len(USER_FIELDS) :]
    now = timezone.now()
    if not expires or now >= expires:
        return None
    user = get_user_model().from_db(alias, USER_FIELDS, user_values)
    if not user.is_active:
        return None
    if last_read_at is None or last_read_at <= now - LAST_READ_EVERY:
        AppAuthorization.objects.filter(pk=authorization_id).exclude(
            last_read_at__gt=now - LAST_READ_EVERY
        ).update(last_read_at=now)
    return ApiCaller(
        user=user,
        patient=Patient.from_db(alias, PATIENT_FIELDS, patient_values),
        scopes=parse_scopes(scope),
        client_id=client_id,
        app_name=app_name,
        token_id=token_id,
    )
