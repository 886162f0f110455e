"""Per-channel senders: how a rendered notification leaves the portal.

Email goes through Django's email backend (settings.EMAIL_URL: SMTP in production, a file or
memory backend elsewhere). Text messages go through the class named by settings.SMS_SENDER.

Plugging in an SMS gateway
--------------------------
Write a class with a `send(self, *, to: str, body: str) -> None` method that hands the message to
the gateway (Twilio, Amazon SNS, a local modem...) and raises an exception when the gateway did not
accept it. Read its credentials from settings (add them to config/settings.py from the
environment). Then set the environment variable `SMS_SENDER` to its dotted path, for example
`SMS_SENDER=clinic_sms.senders.GatewaySmsSender`. The outbox retries a raised exception with
backoff, so the sender should not retry by itself; it should use a timeout of a few seconds.
The default, `OutboxSmsSender`, sends nothing over the network: it writes the message to the
"delivered text messages" table that staff and administrators can read in the admin.
"""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from .models import DeliveredSms


class SmsSender(Protocol):
    def send(self, *, to: str, body: str) -> None: ...


class EmailSender:
    """Sends through the configured Django email backend, from settings.DEFAULT_FROM_EMAIL."""

    def send(self, *, to: str, subject: str, body: str) -> None:
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            # Asks mail systems not to answer with out-of-office replies (RFC 3834).
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.send(fail_silently=False)


class OutboxSmsSender:
    """The default: keeps the text message in the database instead of sending it."""

    def send(self, *, to: str, body: str) -> None:
        DeliveredSms.objects.create(to_address=to, body=body)


def get_sms_sender() -> SmsSender:
    sender_class = import_string(settings.SMS_SENDER)
    return sender_class()
