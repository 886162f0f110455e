from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Max
from django.test import RequestFactory

from lantern.access.models import ProxyRelationship, Section, StaffMembership, StaffRole
from lantern.access.policy import patient_access, patients_for
from lantern.accounts.models import User
from lantern.clinical.models import Patient
from lantern.demo.services import (
    DEMO_CHILDREN,
    DEMO_PATIENT_FHIR_ID,
    DEMO_SOURCE_SYSTEM,
    LOGINS_FILE_NAME,
)
from lantern.testing.factories import OrganizationFactory, PatientFactory

pytestmark = pytest.mark.django_db

DEMO_USERNAMES = {"demo-patient", "demo-nurse", "demo-doctor", "demo-admin", "demo-parent"}
CLINICAL_MODELS = list(apps.get_app_config("clinical").get_models())


@pytest.fixture
def var_dir(settings, tmp_path: Path) -> Path:
    settings.VAR_DIR = tmp_path
    return tmp_path


def load_demo() -> str:
    output = io.StringIO()
    call_command("load_demo", stdout=output)
    return output.getvalue()


def printed_logins(output: str) -> dict[str, str]:
    """The username → password pairs printed under "Demo sign-ins"."""
    lines = output.split("Demo sign-ins", 1)[1].splitlines()[1:]
    return dict(line.split()[:2] for line in lines if line.strip())


def database_state() -> dict[str, object]:
    """Row counts of every clinical model and the accounts, and when each table last changed."""
    state: dict[str, object] = {}
    for model in CLINICAL_MODELS:
        state[f"{model.__name__} rows"] = model.objects.count()
        if any(field.name == "updated_at" for field in model._meta.fields):
            state[f"{model.__name__} last update"] = model.objects.aggregate(
                latest=Max("updated_at")
            )["latest"]
    state["users"] = list(User.objects.order_by("username").values())
    state["staff memberships"] = list(StaffMembership.objects.order_by("id").values())
    return state


def signs_in(username: str, password: str) -> bool:
    # Through every authentication backend, as the sign-in page does; django-axes needs a request.
    request = RequestFactory().post("/")
    return authenticate(request, username=username, password=password) is not None


def demo_patient() -> Patient:
    return Patient.objects.get(source_system=DEMO_SOURCE_SYSTEM, fhir_id=DEMO_PATIENT_FHIR_ID)


def test_loading_the_demo_twice_changes_nothing_and_prints_the_same_logins(var_dir):
    first_output = load_demo()
    state_after_first_run = database_state()

    second_output = load_demo()

    assert database_state() == state_after_first_run
    assert printed_logins(second_output) == printed_logins(first_output)
    assert set(printed_logins(first_output)) == DEMO_USERNAMES
    assert Patient.objects.filter(source_system=DEMO_SOURCE_SYSTEM).count() == 3 + len(
        DEMO_CHILDREN
    )
    assert User.objects.count() == len(DEMO_USERNAMES)
    assert ProxyRelationship.objects.count() == len(DEMO_CHILDREN)


def test_demo_logins_are_saved_readable_by_their_owner_only(var_dir):
    output = load_demo()

    logins_file = var_dir / LOGINS_FILE_NAME
    assert stat.S_IMODE(logins_file.stat().st_mode) == 0o600
    for username, password in printed_logins(output).items():
        assert [username, password] in [line.split()[1:] for line in logins_file.open()]


def test_demo_accounts_sign_in_with_the_printed_passwords(var_dir):
    logins = printed_logins(load_demo())

    for username, password in logins.items():
        assert signs_in(username, password), username


def test_deleting_the_logins_file_gives_new_passwords_without_new_accounts(var_dir):
    old_logins = printed_logins(load_demo())
    (var_dir / LOGINS_FILE_NAME).unlink()

    new_logins = printed_logins(load_demo())

    assert User.objects.count() == len(DEMO_USERNAMES)
    assert new_logins.keys() == old_logins.keys()
    for username, password in new_logins.items():
        assert password != old_logins[username]
        assert signs_in(username, password), username
        assert not signs_in(username, old_logins[username]), username


def test_demo_patient_account_sees_only_its_own_record(var_dir):
    load_demo()
    account = User.objects.get(username="demo-patient")

    assert list(patients_for(account)) == [demo_patient()]
    assert not account.is_staff
    assert not account.staff_memberships.exists()


def test_demo_nurse_sees_the_demo_clinics_patients_and_no_others(var_dir):
    load_demo()
    nurse = User.objects.get(username="demo-nurse")
    clinic = demo_patient().managing_organization
    elsewhere = PatientFactory(managing_organization=OrganizationFactory())
    visible = set(patients_for(nurse))

    assert demo_patient() in visible
    assert visible == set(Patient.objects.filter(source_system=DEMO_SOURCE_SYSTEM))
    assert elsewhere not in visible
    membership = nurse.staff_memberships.get()
    assert (membership.organization, membership.role) == (clinic, StaffRole.NURSE)
    assert not nurse.is_superuser


def test_demo_administrator_is_the_clinics_administrator_and_not_an_admin_user(var_dir):
    load_demo()
    admin = User.objects.get(username="demo-admin")

    assert not admin.is_staff
    assert not admin.is_superuser
    membership = admin.staff_memberships.get()
    assert membership.organization == demo_patient().managing_organization
    assert membership.role == StaffRole.ADMINISTRATOR


def test_no_demo_account_can_use_djangos_admin(var_dir):
    load_demo()

    assert not User.objects.filter(is_staff=True).exists()
    assert not User.objects.filter(is_superuser=True).exists()


def test_a_rerun_takes_admin_rights_away_from_a_demo_administrator_that_had_them(var_dir):
    # Earlier versions made demo-admin a superuser; loading the demo again corrects that.
    load_demo()
    User.objects.filter(username="demo-admin").update(is_staff=True, is_superuser=True)

    load_demo()

    admin = User.objects.get(username="demo-admin")
    assert not admin.is_staff
    assert not admin.is_superuser


def test_the_printed_sign_ins_say_the_administrator_manages_staff_and_not_the_admin(var_dir):
    output = load_demo()

    assert "manages its staff" in output
    assert "/admin/" not in output


def test_the_demo_parent_acts_for_a_young_child_fully_and_a_teenager_as_the_age_rules_allow(
    var_dir,
):
    load_demo()
    load_demo()  # A rerun adds nothing.
    parent = User.objects.get(username="demo-parent")
    children = {
        relationship.patient.given_names: relationship.patient
        for relationship in ProxyRelationship.objects.filter(proxy=parent).select_related("patient")
    }

    assert parent.patient_id is None
    assert sorted(children) == ["Milo", "Rosa"]
    milo = patient_access(parent, children["Milo"].pk)
    rosa = patient_access(parent, children["Rosa"].pk)
    assert milo.may(Section.MESSAGES) and milo.may(Section.RESULTS)
    assert rosa.may(Section.RESULTS) and not rosa.may(Section.MESSAGES)
    assert not rosa.may(Section.NOTES)
