"""The people an account acts for, as the switcher and the home page list them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.utils.translation import gettext_lazy as _

from lantern.access.models import ProxyKind
from lantern.access.policy import PatientAccess
from lantern.audit.models import ActorRole
from lantern.core.context_processors import PATIENT_NAVIGATION, NavItem
from lantern.messaging.selectors import unread_counts
from lantern.results.selectors import new_results_counts


@dataclass(frozen=True)
class Person:
    """One person whose record the account may open, with what needs attention and the
    sections it may open, each with its address."""

    access: PatientAccess
    new_results: int | None  # None when the account may not see their results
    unread_messages: int | None  # None when the account may not see their messages
    links: list[NavItem]

    @property
    def is_self(self) -> bool:
        return self.access.role == ActorRole.SELF

    @property
    def name(self) -> str:
        return self.access.patient.display_name

    @property
    def relationship_words(self) -> str:
        return str(KIND_WORDS.get(self.access.proxy_kind, ""))


def section_links(access: PatientAccess) -> list[NavItem]:
    """The menu's sections of this person's record that the access opens, each leading to the
    person's own page (the menu of someone acting for them, and their card on the list)."""
    prefix = f"/patients/{access.patient.pk}/"
    return [
        replace(item, href=prefix + item.patient_path)
        for item in PATIENT_NAVIGATION[1:]
        if access.may(item.needs)
    ]


def people_listed(accesses: list[PatientAccess]) -> list[Person]:
    """Each person with their counts, in two or three queries whatever their number (the new
    results, one; the unread replies, one; the release delays, when not yet read)."""
    new_results = new_results_counts(accesses=accesses)
    unread = unread_counts(accesses=accesses)
    people = []
    for access in accesses:
        patient_id = access.patient.pk
        people.append(
            Person(
                access=access,
                new_results=new_results.get(patient_id, 0) if access.may("results") else None,
                unread_messages=unread.get(patient_id, 0) if access.may("messages") else None,
                links=section_links(access),
            )
        )
    return people


# How the account is related to a person, in words, for the list.
KIND_WORDS = {
    ProxyKind.PARENT: _("You are their parent or guardian"),
    ProxyKind.LEGAL_GUARDIAN: _("You are their legal guardian"),
    ProxyKind.POWER_OF_ATTORNEY: _("You hold their power of attorney"),
    ProxyKind.CAREGIVER: _("They gave you access"),
}
