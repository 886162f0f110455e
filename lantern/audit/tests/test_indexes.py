"""The audit trail, written by every page, keeps only the indexes its reads need (migration
0008): each foreign key is the first column of a composite index, never an index of its own."""

from __future__ import annotations

import pytest
from django.db import connection

from lantern.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

KEYS = ("actor_id", "patient_id", "subject_id")


def audit_indexes() -> list[list[str]]:
    """The columns of each index of the audit table (its primary key apart)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, AuditEvent._meta.db_table)
    return [
        details["columns"]
        for details in constraints.values()
        if details["index"] and not details["primary_key"]
    ]


def test_each_foreign_key_leads_a_composite_index_and_has_none_of_its_own():
    indexes = audit_indexes()

    assert [key for key in KEYS if [key] in indexes] == []
    for key in KEYS:
        assert any(columns[0] == key and len(columns) > 1 for columns in indexes), key
    assert len(indexes) == 4
