"""The staff list: a clinic's administrators add staff, change roles and deactivate members.

Every view is a staff page (`staff_view`) that also resolves the clinic in the address against
the clinics the user administers; anyone else, including the clinic's other staff, gets 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lantern.access.decorators import ACCESS_RULE_ATTRIBUTE, staff_view
from lantern.access.models import StaffMembership, StaffRole

from . import memberships
from .membership_forms import MembershipActiveForm, MembershipAddForm, MembershipRoleForm

SECTION = "staff-list"


def clinic_administrator_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """staff_view, and the URL's clinic must be one the user administers (else 404)."""

    @staff_view
    @wraps(view)
    def wrapper(request: HttpRequest, organization_id: Any, **kwargs: Any) -> HttpResponse:
        clinic = memberships.clinic_for_administrator(
            user=request.user, organization_id=organization_id
        )
        if clinic is None:
            raise Http404
        return view(request, clinic, **kwargs)

    setattr(wrapper, ACCESS_RULE_ATTRIBUTE, "staff")
    return wrapper


@staff_view
def staff_lists(request: HttpRequest) -> HttpResponse:
    """The clinics the user administers; straight to the list when there is one."""
    clinics = list(memberships.administered_clinics(user=request.user))
    if not clinics:
        raise Http404
    if len(clinics) == 1:
        return redirect("staff:memberships", organization_id=clinics[0].pk)
    return render(
        request, "staff/staff_lists.html", {"clinics": clinics, "current_section": SECTION}
    )


@clinic_administrator_view
def membership_list(request: HttpRequest, clinic) -> HttpResponse:
    return _list_page(request, clinic)


def _list_page(
    request: HttpRequest, clinic, add_form: MembershipAddForm | None = None
) -> HttpResponse:
    context = {
        "clinic": clinic,
        "page": memberships.clinic_staff(clinic=clinic, page_number=request.GET.get("page")),
        "add_form": add_form or MembershipAddForm(),
        "roles": StaffRole.choices,
        "current_section": SECTION,
    }
    return render(request, "staff/memberships.html", context, status=400 if add_form else 200)


@clinic_administrator_view
@require_POST
def membership_add(request: HttpRequest, clinic) -> HttpResponse:
    form = MembershipAddForm(request.POST)
    if form.is_valid():
        try:
            added = memberships.membership_add(
                actor=request.user,
                clinic=clinic,
                identifier=form.cleaned_data["identifier"],
                role=StaffRole(form.cleaned_data["role"]),
            )
        except memberships.MembershipError as error:
            form.add_error("identifier", error.message)
        else:
            name = added.membership.user.get_full_name() or added.membership.user.get_username()
            if added.account_created:
                messages.success(
                    request, f"We made an account for {name} and emailed a link to set a password."
                )
            else:
                messages.success(request, f"{name} is now on the staff list.")
            return redirect(_list_url(clinic))
    return _list_page(request, clinic, add_form=form)


@clinic_administrator_view
@require_POST
def membership_role(request: HttpRequest, clinic) -> HttpResponse:
    form = MembershipRoleForm(request.POST)
    if not form.is_valid():
        raise Http404
    _apply(
        request,
        lambda: memberships.membership_role_change(
            actor=request.user,
            clinic=clinic,
            membership_id=form.cleaned_data["membership"],
            role=StaffRole(form.cleaned_data["role"]),
        ),
        done="The role was changed.",
    )
    return redirect(_list_url(clinic))


@clinic_administrator_view
@require_POST
def membership_active(request: HttpRequest, clinic) -> HttpResponse:
    form = MembershipActiveForm(request.POST)
    if not form.is_valid():
        raise Http404
    active = form.cleaned_data["active"]
    _apply(
        request,
        lambda: memberships.membership_active_set(
            actor=request.user,
            clinic=clinic,
            membership_id=form.cleaned_data["membership"],
            active=active,
        ),
        done="Access restored." if active else "Deactivated: they can no longer open the console.",
    )
    return redirect(_list_url(clinic))


def _apply(request: HttpRequest, change: Callable[[], bool], *, done: str) -> None:
    try:
        changed = change()
    except StaffMembership.DoesNotExist as error:
        raise Http404 from error
    except memberships.MembershipError as error:
        messages.error(request, error.message)
        return
    if changed:
        messages.success(request, done)


def _list_url(clinic) -> str:
    return reverse("staff:memberships", kwargs={"organization_id": clinic.pk})
