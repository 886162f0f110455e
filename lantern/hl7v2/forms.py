from __future__ import annotations

from django import forms


class MatchForm(forms.Form):
    patient_id = forms.UUIDField(
        error_messages={"required": "Choose the patient the message is about."}
    )


class ReplayForm(forms.Form):
    # The replay count the page showed: a second submit of the same page replays nothing.
    replay_count = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
