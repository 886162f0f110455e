"""Accounts: the people who sign in to Lantern (patients, proxies, clinic staff)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from lantern.clinical.models import Patient


class User(AbstractUser):
    """A person who signs in.

    A patient account is linked to the patient record it belongs to; what else an account may see
    (as a proxy, as clinic staff) is decided by the access layer, never here.
    """

    patient = models.OneToOneField(
        Patient, null=True, blank=True, on_delete=models.PROTECT, related_name="account"
    )

    class Meta:
        db_table = "accounts_user"
