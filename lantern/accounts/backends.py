"""Django's password backend, with the signed-in account read by a statement built once.

Every signed-in request reads its account again (`django.contrib.auth.get_user`): a removed or
deactivated account, or a changed password, ends the session on the very next request. Django's
`ModelBackend.get_user` builds that read through the ORM each time, which costs several times as
long as running it (about a tenth of a signed-in request that draws nothing). This backend runs
the same SELECT, built once per process (`lantern.core.statements`); signing in, permissions and
the inactive-account rule are Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import QuerySet

from lantern.core.statements import Statement, param_for

# The dotted path sessions record; `login()` calls that choose a backend name this one.
ACCOUNT_BACKEND = "lantern.accounts.backends.AccountBackend"


def _account_by_id() -> QuerySet:
    model = get_user_model()
    return model._default_manager.filter(pk=param_for(model, model._meta.pk.name))


_ACCOUNT = Statement(_account_by_id)


class AccountBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        found = _ACCOUNT.objects(**{get_user_model()._meta.pk.name: user_id})
        if not found:
            return None
        user = found[0]
        return user if self.user_can_authenticate(user) else None
