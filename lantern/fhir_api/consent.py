"""The consent screen's form and the decision it records: for whom, and which kinds of data.

The people offered are those the account may act for on the patient side
(`access.policy.people_for`): its own record and the people it is a proxy for today. An app gets
only the kinds of data the person ticked *and* the relationship opens (a proxy limited to the
health record and results cannot give an app medications).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oauth2_provider.models import Application

from lantern.access.policy import PatientAccess, people_for
from lantern.audit.models import ActorRole
from lantern.fhir_api.caller import RESOURCE_SECTIONS
from lantern.fhir_api.grants import (
    SERVED_TYPES,
    DataKind,
    data_kinds_of,
    granted_scope,
    types_of_kinds,
)
from lantern.fhir_api.models import AppAuthorization
from lantern.fhir_api.services import app_authorization_grant


def scopes_supported() -> list[str]:
    return [f"patient/{resource_type}.rs" for resource_type in SERVED_TYPES]


def _person_label(access: PatientAccess) -> str:
    if access.role == ActorRole.SELF:
        return _("You")
    return access.patient.display_name


class ConsentForm(forms.Form):
    """Whose record (when the account acts for more than one person) and which kinds of data."""

    person = forms.ChoiceField(
        label=gettext_lazy("Whose health record may the app see?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose whose health record the app may see."),
            "invalid_choice": gettext_lazy("Choose whose health record the app may see."),
        },
    )
    kinds = forms.MultipleChoiceField(
        label=gettext_lazy("What the app may see"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, user, scope: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.people = people_for(user, object_type="connected app consent")
        self.asked_kinds: list[DataKind] = data_kinds_of(scope)
        self.fields["person"].choices = [
            (str(access.patient.pk), _person_label(access)) for access in self.people
        ]
        if len(self.people) == 1:
            self.fields["person"].initial = str(self.people[0].patient.pk)
        self.fields["kinds"].choices = [(kind.key, kind.label) for kind in self.asked_kinds]
        self.fields["kinds"].initial = [kind.key for kind in self.asked_kinds]

    def people_with_limits(self) -> list[tuple[PatientAccess, list[DataKind]]]:
        """Each person offered, with the asked kinds their access lets an app see."""
        return [
            (access, [kind for kind in self.asked_kinds if self._opens(access, kind)])
            for access in self.people
        ]

    @staticmethod
    def _opens(access: PatientAccess, kind: DataKind) -> bool:
        return any(access.may(RESOURCE_SECTIONS[t]) for t in kind.resource_types)

    def clean(self):
        cleaned = super().clean()
        access = next((a for a in self.people if str(a.patient.pk) == cleaned.get("person")), None)
        if access is None:
            return cleaned
        chosen = set(cleaned.get("kinds") or [])
        if not chosen:
            self.add_error(
                "kinds", _("Tick at least one kind of information, or choose Don't allow.")
            )
            return cleaned
        types = {t for t in types_of_kinds(chosen) if access.may(RESOURCE_SECTIONS[t])}
        if not types:
            self.add_error(
                "kinds",
                _(
                    "Your access to this person's record does not include what you ticked. "
                    "Tick something else, or choose Don't allow."
                ),
            )
        cleaned["access"] = access
        cleaned["types"] = frozenset(types)
        return cleaned


def consent_give(
    *, form: ConsentForm, application: Application, requested_scope: str
) -> AppAuthorization:
    """Record the consent the form holds: the scopes asked for, narrowed to what was ticked and
    what the person's access opens."""
    scope = granted_scope(requested_scope, requested_scope, types=form.cleaned_data["types"])
    return app_authorization_grant(
        access=form.cleaned_data["access"], application=application, scope=scope
    )
