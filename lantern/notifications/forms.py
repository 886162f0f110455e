"""The notification settings form: an Email and a Text message box for each event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.utils.translation import gettext_lazy as _

from lantern.accounts.models import User

from .models import NotificationEvent
from .preferences import ChannelChoice, confirmed_mobile_number, preferences_for

EMAIL_NOT_CONFIRMED_HINT = _("We send email only to a confirmed address.")
NO_MOBILE_NUMBER_HINT = _("Add a mobile number in Two-step verification to get text messages.")


@dataclass(frozen=True)
class EventFields:
    """One event's boxes, for one fieldset on the page."""

    event: NotificationEvent
    email: BoundField
    sms: BoundField

    @property
    def legend(self) -> str:
        return str(self.event.label)

    @property
    def fields(self) -> tuple[BoundField, BoundField]:
        return (self.email, self.sms)


class NotificationSettingsForm(forms.Form):
    """The account's choices, shown from what it saved (or the defaults).

    Without a confirmed mobile number the text-message box is disabled: Django then ignores what
    is posted for it and keeps the saved choice, so it cannot be switched on by editing the form.
    """

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        saved = preferences_for(user)
        can_text = bool(confirmed_mobile_number(user))
        for event in NotificationEvent:
            self.fields[self._name(event, "email")] = forms.BooleanField(
                label=_("Email"),
                required=False,
                initial=saved[event].email,
                help_text="" if user.has_verified_email else EMAIL_NOT_CONFIRMED_HINT,
            )
            self.fields[self._name(event, "sms")] = forms.BooleanField(
                label=_("Text message"),
                required=False,
                initial=saved[event].sms,
                disabled=not can_text,
                help_text="" if can_text else NO_MOBILE_NUMBER_HINT,
            )

    @staticmethod
    def _name(event: NotificationEvent, channel: str) -> str:
        return f"{event.value}_{channel}"

    def events(self) -> list[EventFields]:
        return [
            EventFields(
                event=event,
                email=self[self._name(event, "email")],
                sms=self[self._name(event, "sms")],
            )
            for event in NotificationEvent
        ]

    def choices(self) -> dict[NotificationEvent, ChannelChoice]:
        """The posted choices; call after `is_valid()`."""
        data = self.cleaned_data
        return {
            event: ChannelChoice(
                email=data[self._name(event, "email")], sms=data[self._name(event, "sms")]
            )
            for event in NotificationEvent
        }
