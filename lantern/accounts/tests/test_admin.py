"""Django's admin is no back door: it is entered through Lantern's sign-in with both steps, it
cannot link an account to a patient record, and every change made in it is audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms import MultiWidget
from django.test import Client
from django.urls import reverse

from lantern.access.models import StaffMembership, StaffRole
from lantern.audit.models import ActorRole, AuditAction, AuditEvent
from lantern.testing.auth import sign_in, sign_in_password_only
from lantern.testing.factories import UserFactory

pytestmark = pytest.mark.django_db

SECOND_FACTOR_MIDDLEWARE = "lantern.mfa.middleware.SecondFactorRequiredMiddleware"


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


@pytest.fixture
def operator_client(operator) -> Client:
    return sign_in(Client(), operator)


def form_data(response) -> dict[str, Any]:
    """The POST data the admin's change page would send back unchanged: the form and inlines."""
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        forms.extend(formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            bound = form[name]
            if bound.field.disabled:
                continue
            value = bound.value()
            if isinstance(field.widget, MultiWidget):
                parts = field.widget.decompress(value)
                for index, part in enumerate(parts):
                    data[f"{bound.html_name}_{index}"] = "" if part is None else part
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            elif value is not None:
                data[bound.html_name] = value
    return data


def change_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def events(action: AuditAction, subject) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, subject=subject).order_by("id"))


# Entering the admin.


def test_the_admin_login_page_sends_the_browser_to_lanterns_sign_in(client):
    response = client.get("/admin/login/?next=/admin/accounts/user/")

    assert response.status_code == 302
    assert response.url == "/signin/?next=%2Fadmin%2Faccounts%2Fuser%2F"


def test_the_admin_login_page_without_next_comes_back_to_the_admin_index(client):
    response = client.get("/admin/login/")

    assert response.url == "/signin/?next=%2Fadmin%2F"


def test_the_admin_login_form_does_not_sign_anyone_in(client, operator):
    operator.set_password("a long operator passphrase")
    operator.save()

    response = client.post(
        "/admin/login/", {"username": "operator", "password": "a long operator passphrase"}
    )

    assert response.url.startswith("/signin/")
    assert "_auth_user_id" not in client.session


def test_an_admin_page_sends_a_signed_out_browser_to_the_admin_login_then_the_sign_in(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == "/signin/?next=%2Fadmin%2F"


def test_a_superuser_with_only_a_password_step_cannot_open_the_admin(client, operator):
    sign_in_password_only(client, operator)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert not response.url.startswith("/admin/")


def test_the_admin_needs_the_second_step_even_without_the_middleware(client, operator, settings):
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != SECOND_FACTOR_MIDDLEWARE]
    sign_in_password_only(client, operator)

    for path in ("/admin/", "/admin/accounts/user/", change_url(operator)):
        response = client.get(path)
        assert response.status_code == 302, path
        assert "/admin/login/" in response.url, path


def test_a_superuser_with_both_steps_opens_the_admin(operator_client):
    assert operator_client.get("/admin/").status_code == 200


def test_clinic_staff_find_no_admin_even_with_djangos_staff_flag(nora):
    # The admin is for the people who run the deployment (superusers), not clinic staff.
    assert nora.is_staff
    client = sign_in(Client(), nora)

    assert client.get("/admin/login/").status_code == 404
    assert client.get("/admin/", follow=True).status_code == 404


# The patient link.


def test_the_patient_link_is_shown_but_cannot_be_set_in_the_admin(operator_client, alice, charlie):
    account = UserFactory(username="linkless")
    page = operator_client.get(change_url(account))
    assert 'name="patient"' not in page.text
    data = form_data(page)

    # Posting the field by hand, as an attacker would, links nothing.
    data["patient"] = str(charlie.patient.pk)
    response = operator_client.post(change_url(account), data)

    assert response.status_code == 302
    account.refresh_from_db()
    assert account.patient_id is None


# Changes are audited.


def test_an_account_change_in_the_admin_is_audited_with_the_field_names(
    operator_client, operator, alice
):
    data = form_data(operator_client.get(change_url(alice)))
    data["first_name"] = "Alicia"
    data.pop("is_active", None)

    response = operator_client.post(change_url(alice), data)

    assert response.status_code == 302
    [event] = events(AuditAction.ACCOUNT_CHANGED, alice)
    assert (event.actor, event.actor_role, event.patient) == (operator, ActorRole.STAFF, None)
    assert (event.object_type, event.object_id) == ("account", "first_name,is_active")
    assert "Alicia" not in event.object_id


def test_saving_an_account_unchanged_writes_no_event(operator_client, alice):
    data = form_data(operator_client.get(change_url(alice)))

    operator_client.post(change_url(alice), data)

    assert events(AuditAction.ACCOUNT_CHANGED, alice) == []


def test_an_account_made_in_the_admin_is_audited(operator_client, operator):
    response = operator_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new-operator",
            "usable_password": "true",
            "password1": "a long and unusual passphrase",
            "password2": "a long and unusual passphrase",
            "staff_memberships-TOTAL_FORMS": "0",
            "staff_memberships-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    [event] = AuditEvent.objects.filter(action=AuditAction.ACCOUNT_CHANGED)
    assert (event.subject.username, event.actor, event.object_id) == (
        "new-operator",
        operator,
        "created",
    )


def test_a_password_set_in_the_admin_is_audited(operator_client, operator, alice):
    url = reverse("admin:auth_user_password_change", args=[alice.pk])
    url = url if "accounts" in url else f"/admin/accounts/user/{alice.pk}/password/"

    response = operator_client.post(
        url,
        {
            "password1": "another long and unusual passphrase",
            "password2": "another long and unusual passphrase",
        },
    )

    assert response.status_code == 302
    [event] = events(AuditAction.PASSWORD_CHANGED, alice)
    assert (event.actor, event.object_id) == (operator, "password")


def test_accounts_cannot_be_deleted_in_the_admin(operator_client, alice):
    response = operator_client.post(reverse("admin:accounts_user_delete", args=[alice.pk]))

    assert response.status_code == 403
    assert type(alice).objects.filter(pk=alice.pk).exists()


def test_a_membership_added_on_the_account_page_is_audited(operator_client, operator, clinic):
    account = UserFactory(username="new-nurse")
    data = form_data(operator_client.get(change_url(account)))
    prefix = "staff_memberships"
    data[f"{prefix}-TOTAL_FORMS"] = "1"
    data[f"{prefix}-0-organization"] = str(clinic.pk)
    data[f"{prefix}-0-role"] = StaffRole.NURSE
    data[f"{prefix}-0-is_active"] = "on"

    response = operator_client.post(change_url(account), data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert StaffMembership.objects.filter(user=account, organization=clinic).exists()
    [event] = events(AuditAction.MEMBERSHIP_CHANGED, account)
    assert (event.actor, event.object_type) == (operator, "staff_membership")
    assert event.object_id == "created,is_active,organization,role"
    assert events(AuditAction.ACCOUNT_CHANGED, account) == []


def test_a_role_changed_on_the_membership_page_is_audited(operator_client, operator, nora):
    membership = nora.staff_memberships.get()
    url = reverse("admin:access_staffmembership_change", args=[membership.pk])
    data = form_data(operator_client.get(url))
    data["role"] = StaffRole.ADMINISTRATOR

    operator_client.post(url, data)

    [event] = events(AuditAction.MEMBERSHIP_CHANGED, nora)
    assert (event.actor, event.object_id) == (operator, "role")


def test_a_membership_deleted_in_the_admin_is_audited(operator_client, operator, nora):
    membership = nora.staff_memberships.get()
    url = reverse("admin:access_staffmembership_delete", args=[membership.pk])

    operator_client.post(url, {"post": "yes"})

    assert not StaffMembership.objects.filter(pk=membership.pk).exists()
    [event] = events(AuditAction.MEMBERSHIP_CHANGED, nora)
    assert (event.actor, event.object_id) == (operator, "deleted")
