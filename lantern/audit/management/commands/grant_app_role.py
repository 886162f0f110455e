"""Grants the web app's PostgreSQL role what it needs, and no more on the audit tables."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from lantern.audit.models import AuditEvent, AuditSeal

# The app reads and appends to these, never changes or empties them.
AUDIT_TABLES = (AuditEvent._meta.db_table, AuditSeal._meta.db_table)
# The app reads the migration history (Django's checks) but only the owner migrates.
READ_ONLY_TABLES = ("django_migrations",)


class Command(BaseCommand):
    help = (
        "PostgreSQL only. Run as the owner of the tables (the role that ran migrate) after "
        "every migrate and createcachetable: grants ROLE ordinary reads and writes on every "
        "table and sequence, but only SELECT and INSERT on the audit tables, and only SELECT "
        "on django_migrations."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="The PostgreSQL role the web app connects as.")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "grant_app_role is for PostgreSQL; DATABASE_URL points at "
                f"{connection.vendor}, which has no roles."
            )
        role_name = options["role"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role_name])
            found = cursor.fetchone()
            cursor.execute("SELECT current_user, current_schema()")
            current_user, schema = cursor.fetchone()
        if found is None:
            raise CommandError(f"There is no PostgreSQL role named {role_name!r}; create it first.")
        if found[0]:
            raise CommandError(
                f"{role_name!r} is a superuser, which no grant can limit; give the app a role "
                "of its own."
            )
        if role_name == current_user:
            raise CommandError(
                f"{role_name!r} is the role running this command (the owner); the app needs a "
                "role of its own."
            )

        quote = connection.ops.quote_name
        role = quote(role_name)
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
        limited = {*AUDIT_TABLES, *READ_ONLY_TABLES}
        statements = [
            f"GRANT USAGE ON SCHEMA {quote(schema)} TO {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {quote(schema)} TO {role}",
        ]
        for table in sorted(tables):
            statements.append(f"REVOKE ALL ON {quote(table)} FROM {role}")
            if table in AUDIT_TABLES:
                statements.append(f"GRANT SELECT, INSERT ON {quote(table)} TO {role}")
            elif table in READ_ONLY_TABLES:
                statements.append(f"GRANT SELECT ON {quote(table)} TO {role}")
            else:
                statements.append(
                    f"GRANT SELECT, INSERT, UPDATE, DELETE ON {quote(table)} TO {role}"
                )
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            f"Granted {role_name} reads and writes on {len(tables) - len(limited & set(tables))} "
            f"tables, SELECT and INSERT only on {', '.join(AUDIT_TABLES)}, and SELECT on "
            f"{', '.join(READ_ONLY_TABLES)}."
        )
