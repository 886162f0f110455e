"""The demo clinic offers patients three message pools, which its nurse sees as inbox queues."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from lantern.accounts.models import User
from lantern.clinical.models import Patient
from lantern.demo.services import DEMO_PATIENT_FHIR_ID, DEMO_SOURCE_SYSTEM
from lantern.messaging import inbox
from lantern.messaging.models import MessagePool

pytestmark = pytest.mark.django_db

POOL_NAMES = ["Nursing", "Scheduling", "Billing questions"]


@pytest.fixture
def var_dir(settings, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def load_demo() -> None:
    call_command("load_demo", stdout=io.StringIO())


def test_the_demo_clinic_gets_its_three_pools_once_however_often_it_loads(var_dir):
    load_demo()
    load_demo()

    clinic = Patient.objects.get(
        source_system=DEMO_SOURCE_SYSTEM, fhir_id=DEMO_PATIENT_FHIR_ID
    ).managing_organization
    pools = MessagePool.objects.filter(organization=clinic)
    assert [pool.name for pool in pools] == POOL_NAMES
    assert MessagePool.objects.count() == 3

    nurse = User.objects.get(username="demo-nurse")
    assert [pool.name for pool in inbox.inbox_pools(nurse)] == POOL_NAMES


def test_a_pool_switched_off_by_an_administrator_stays_off(var_dir):
    load_demo()
    MessagePool.objects.filter(name="Billing questions").update(is_active=False)

    load_demo()

    assert not MessagePool.objects.get(name="Billing questions").is_active
    assert MessagePool.objects.count() == 3
