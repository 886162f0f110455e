"""A clinic's administrators manage its staff list in the console: list, add (an existing account
or a new one), change a role, deactivate. Only for their own clinics; every change is audited."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lantern.access.models import StaffMembership, StaffRole
from lantern.access.policy import is_staff_member, patients_for
from lantern.accounts.models import User
from lantern.audit.models import ActorRole, AuditAction, AuditEvent
from lantern.notifications.models import Notification, NotificationKind
from lantern.staff import memberships
from lantern.testing.auth import sign_in
from lantern.testing.factories import StaffMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(clinic):
    """The clinic's administrator."""
    user = UserFactory(username="ada", first_name="Ada", last_name="Admin")
    StaffMembershipFactory(user=user, organization=clinic, role=StaffRole.ADMINISTRATOR)
    return user


@pytest.fixture
def ada_client(ada) -> Client:
    return sign_in(Client(), ada)


def list_url(clinic) -> str:
    return reverse("staff:memberships", kwargs={"organization_id": clinic.pk})


def action_url(name: str, clinic) -> str:
    return reverse(f"staff:{name}", kwargs={"organization_id": clinic.pk})


def membership_events(subject) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_CHANGED, subject=subject).order_by(
            "id"
        )
    )


# Who may open the staff list.


def test_the_administrator_sees_the_staff_list_of_their_clinic(ada_client, clinic, nora, olga):
    response = ada_client.get(list_url(clinic))

    assert response.status_code == 200
    names = [member.user.username for member in response.context["page"].object_list]
    assert sorted(names) == ["ada", "nora"]
    assert "olga" not in response.text


def test_the_staff_list_entry_leads_an_administrator_of_one_clinic_to_its_list(ada_client, clinic):
    response = ada_client.get(reverse("staff:staff_lists"))

    assert response.url == list_url(clinic)
    home = ada_client.get("/staff/").text
    assert f'href="{reverse("staff:staff_lists")}"' in home


def test_staff_who_are_not_administrators_find_no_staff_list(nora, clinic):
    client = sign_in(Client(), nora)

    assert client.get(reverse("staff:staff_lists")).status_code == 404
    assert client.get(list_url(clinic)).status_code == 404
    assert f'href="{reverse("staff:staff_lists")}"' not in client.get("/staff/").text


def test_an_administrator_of_another_clinic_gets_not_found(other_clinic, clinic, nora):
    admin_elsewhere = UserFactory()
    StaffMembershipFactory(
        user=admin_elsewhere, organization=other_clinic, role=StaffRole.ADMINISTRATOR
    )
    client = sign_in(Client(), admin_elsewhere)
    membership = nora.staff_memberships.get()

    assert client.get(list_url(clinic)).status_code == 404
    response = client.post(action_url("membership_active", clinic), {"membership": membership.pk})
    assert response.status_code == 404
    # Nor through their own clinic's address with another clinic's membership.
    response = client.post(
        action_url("membership_active", other_clinic), {"membership": membership.pk}
    )
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.is_active
    assert membership_events(nora) == []


def test_a_deactivated_administrator_finds_no_staff_list(ada, ada_client, clinic):
    StaffMembership.objects.filter(user=ada).update(is_active=False)

    assert ada_client.get(list_url(clinic)).status_code == 404


def test_a_patient_finds_no_staff_list(alice, clinic):
    assert sign_in(Client(), alice).get(list_url(clinic)).status_code == 404


# Adding staff.


def test_adding_an_existing_account_by_username_makes_it_staff_and_is_audited(
    ada, ada_client, clinic, alice
):
    dan = UserFactory(username="dan.doctor")

    response = ada_client.post(
        action_url("membership_add", clinic),
        {"identifier": "dan.doctor", "role": StaffRole.CLINICIAN},
    )

    assert response.url == list_url(clinic)
    membership = StaffMembership.objects.get(user=dan, organization=clinic)
    assert (membership.role, membership.is_active) == (StaffRole.CLINICIAN, True)
    assert alice.patient in patients_for(dan)
    [event] = membership_events(dan)
    assert (event.actor, event.actor_role, event.patient) == (ada, ActorRole.STAFF, None)
    assert (event.object_type, event.object_id) == (
        "staff_membership",
        "created,is_active,organization,role",
    )


def test_adding_by_confirmed_email_finds_the_account(ada_client, clinic):
    dan = UserFactory(email="dan@example.org", email_verified_at=timezone.now())

    ada_client.post(
        action_url("membership_add", clinic), {"identifier": "DAN@example.org", "role": "nurse"}
    )

    assert StaffMembership.objects.filter(user=dan, organization=clinic).exists()


def test_an_email_no_account_has_makes_a_new_staff_account_with_a_link_to_set_its_password(
    ada, ada_client, clinic
):
    response = ada_client.post(
        action_url("membership_add", clinic),
        {"identifier": "new.nurse@example.org", "role": StaffRole.NURSE},
    )

    assert response.url == list_url(clinic)
    user = User.objects.get(email="new.nurse@example.org")
    assert not user.has_usable_password()
    assert user.patient_id is None
    assert not user.is_staff and not user.is_superuser
    assert is_staff_member(user)
    link = Notification.objects.get(
        kind=NotificationKind.PASSWORD_RESET, to_address="new.nurse@example.org"
    )
    assert "/account/reset/" in link.body
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCOUNT_CHANGED, subject=user, actor=ada, object_id="created"
    ).exists()
    assert len(membership_events(user)) == 1


def test_an_unconfirmed_address_of_an_existing_account_does_not_find_or_copy_it(ada_client, clinic):
    # Anyone can type an address into their own account; that must not be enough to be staff.
    holder = UserFactory(email="taken@example.org", email_verified_at=None)

    response = ada_client.post(
        action_url("membership_add", clinic), {"identifier": "taken@example.org", "role": "nurse"}
    )

    assert response.status_code == 400
    assert "No account has that username" in response.text
    assert not StaffMembership.objects.filter(user=holder).exists()
    assert User.objects.filter(email__iexact="taken@example.org").count() == 1


def test_an_unknown_username_is_refused_with_a_plain_message_tied_to_the_field(ada_client, clinic):
    response = ada_client.post(
        action_url("membership_add", clinic), {"identifier": "nobody", "role": "nurse"}
    )

    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.text
    assert "No account has that username or confirmed email address" in response.text


def test_adding_someone_already_on_the_list_changes_nothing(ada_client, clinic, nora):
    response = ada_client.post(
        action_url("membership_add", clinic), {"identifier": "nora", "role": "administrator"}
    )

    assert response.status_code == 400
    assert nora.staff_memberships.get().role == StaffRole.NURSE
    assert membership_events(nora) == []


# Changing roles and access.


def test_changing_a_role_is_audited_with_the_field_name(ada, ada_client, clinic, nora):
    membership = nora.staff_memberships.get()

    ada_client.post(
        action_url("membership_role", clinic),
        {"membership": membership.pk, "role": StaffRole.FRONT_DESK},
    )

    membership.refresh_from_db()
    assert membership.role == StaffRole.FRONT_DESK
    [event] = membership_events(nora)
    assert (event.actor, event.object_id) == (ada, "role")


def test_deactivating_takes_the_console_away_and_is_audited(ada, ada_client, clinic, nora, alice):
    membership = nora.staff_memberships.get()

    ada_client.post(action_url("membership_active", clinic), {"membership": membership.pk})

    nora.refresh_from_db()
    assert not is_staff_member(nora)
    assert alice.patient not in patients_for(nora)
    assert sign_in(Client(), nora).get("/staff/").status_code == 404
    [event] = membership_events(nora)
    assert (event.actor, event.object_id) == (ada, "is_active")

    ada_client.post(
        action_url("membership_active", clinic), {"membership": membership.pk, "active": "on"}
    )
    assert is_staff_member(nora)


def test_the_last_administrator_cannot_step_down_or_be_deactivated(ada, ada_client, clinic):
    mine = ada.staff_memberships.get()

    page = ada_client.post(
        action_url("membership_role", clinic), {"membership": mine.pk, "role": "nurse"}, follow=True
    )
    ada_client.post(action_url("membership_active", clinic), {"membership": mine.pk})

    mine.refresh_from_db()
    assert (mine.role, mine.is_active) == (StaffRole.ADMINISTRATOR, True)
    assert "needs at least one active administrator" in page.text
    assert membership_events(ada) == []


def test_the_list_changes_only_on_post(ada_client, clinic, nora):
    membership = nora.staff_memberships.get()

    response = ada_client.get(
        action_url("membership_active", clinic) + f"?membership={membership.pk}"
    )

    assert response.status_code == 405
    membership.refresh_from_db()
    assert membership.is_active


def test_the_forms_need_the_csrf_token(ada, clinic, nora):
    client = sign_in(Client(enforce_csrf_checks=True), ada)
    membership = nora.staff_memberships.get()

    response = client.post(action_url("membership_active", clinic), {"membership": membership.pk})

    assert response.status_code == 403


# The page.


def test_every_control_on_the_page_has_a_label(ada_client, clinic, nora):
    text = ada_client.get(list_url(clinic)).text
    membership = nora.staff_memberships.get()

    assert text.count("<h1") == 1
    assert f'<label class="usa-label margin-top-0" for="role-{membership.pk}">' in text
    assert '<label class="usa-label" for="id_identifier">' in text
    assert '<label class="usa-label" for="id_role">' in text
    assert "usa-table--stacked" in text


def test_the_staff_list_costs_the_same_with_2_or_30_members(
    ada_client, clinic, django_assert_num_queries
):
    # The clock stands still: on a busy machine the 28 accounts can take past the minute after
    # which a request records the session's activity, and that write is not the page's cost.
    with time_machine.travel(timezone.now(), tick=False):
        StaffMembershipFactory(organization=clinic, user=UserFactory())
        ada_client.get(list_url(clinic))
        with CaptureQueriesContext(connection) as few:
            assert ada_client.get(list_url(clinic)).status_code == 200
        assert len(few.captured_queries) > 0

        for _ in range(28):
            StaffMembershipFactory(organization=clinic, user=UserFactory())
        with django_assert_num_queries(len(few.captured_queries)):
            response = ada_client.get(list_url(clinic))
    assert len(response.context["page"].object_list) == 30


def test_a_large_staff_list_is_shown_a_page_at_a_time(ada_client, clinic):
    for _ in range(memberships.STAFF_PER_PAGE + 5):
        StaffMembershipFactory(organization=clinic, user=UserFactory())
    first = ada_client.get(list_url(clinic))
    assert len(first.context["page"].object_list) == memberships.STAFF_PER_PAGE
    assert "Pages of the staff list" in first.content.decode()
    second = ada_client.get(list_url(clinic), {"page": 2})
    # Fifty-five added plus the administrator herself: six on the second page.
    assert len(second.context["page"].object_list) == 6
