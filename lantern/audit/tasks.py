"""Background sealing of the audit trail, run by the task worker (`manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from .sealing import audit_trail_seal


@task()
def seal_audit_trail() -> int:
    """Seals the settled audit events and returns how many it sealed.

    Safe at any time and twice at once: a second sealer finds the lock taken and stops.
    `manage.py seal_audit` does the same from cron without the worker.
    """
    return audit_trail_seal().event_count
