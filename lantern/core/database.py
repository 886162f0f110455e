"""Settings of each new database connection that Django's OPTIONS cannot carry."""

from __future__ import annotations

from typing import Any

# Statements one PostgreSQL connection keeps prepared (psycopg's default is 100; the pages a
# patient, a proxy and staff use run about 90 different ones, and the forms, the FHIR API and
# the tasks more). The least recently used one is let go past this many.
PREPARED_STATEMENTS_KEPT = 400


def connection_prepared(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Let a PostgreSQL connection that prepares statements (config/settings.py,
    DATABASE_PREPARED_STATEMENTS) keep PREPARED_STATEMENTS_KEPT of them."""
    raw = connection.connection
    if connection.vendor == "postgresql" and getattr(raw, "prepare_threshold", None) is not None:
        raw.prepared_max = PREPARED_STATEMENTS_KEPT
