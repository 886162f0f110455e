from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lantern.clinical.models import ReportKind


class ResultFilterForm(forms.Form):
    """The filters above the results list; every field may be left empty."""

    kind = forms.ChoiceField(
        label=_("Type of test"),
        required=False,
        choices=[
            ("", _("All")),
            (ReportKind.LABORATORY, _("Lab")),
            (ReportKind.IMAGING, _("Imaging")),
        ],
    )
    date_from = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    q = forms.CharField(label=_("Test name"), required=False, max_length=100)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return cleaned

    def filters(self) -> dict:
        """The valid filters as keyword arguments for the selector (none when invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "search": data["q"].strip(),
        }
