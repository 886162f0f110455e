"""Whether a prescription can be asked for online, and if not, why and what to do instead.

One decision for the medications page, the request form and the service that writes: a refill
while refills are left, a renewal (a new prescription from the prescriber) when none are, a call
to the clinic for a medicine it marks as controlled, and nothing new while a request waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lantern.clinical.models import MedicationRequest, MedicationRequestStatus

from .models import RefillKind, RefillRequest


class Next(StrEnum):
    """What the patient can do about one prescription."""

    REFILL = "refill"
    RENEWAL = "renewal"
    CALL = "call"
    WAITING = "waiting"
    PAST = "past"


@dataclass(frozen=True)
class Eligibility:
    next_step: Next
    words: str

    @property
    def may_request(self) -> bool:
        return self.next_step in (Next.REFILL, Next.RENEWAL)

    @property
    def staff_words(self) -> str:
        """The same decision as the clinic reads it about the patient."""
        return STAFF_WORDS[self.next_step]

    @property
    def kind(self) -> RefillKind:
        """The kind of request this prescription would get (only when `may_request`)."""
        return RefillKind.RENEWAL if self.next_step == Next.RENEWAL else RefillKind.REFILL


STAFF_WORDS = {
    Next.REFILL: "Refills can be asked for online.",
    Next.RENEWAL: "No refills left: a renewal can be asked for.",
    Next.CALL: "Controlled medicine: not refilled online.",
    Next.WAITING: "A request is waiting.",
    Next.PAST: "",
}


def clinic_call_words(clinic_phone: str) -> str:
    if clinic_phone:
        return _("Call the clinic on %(phone)s.") % {"phone": clinic_phone}
    return _("Call your clinic.")


def eligibility_for(
    medication: MedicationRequest,
    *,
    controlled: bool,
    open_request: RefillRequest | None,
    clinic_phone: str,
) -> Eligibility:
    """What can be done about `medication` now, in words the patient reads."""
    if medication.status != MedicationRequestStatus.ACTIVE:
        return Eligibility(Next.PAST, _("You no longer take this medicine."))
    if open_request is not None:
        return Eligibility(
            Next.WAITING,
            _("You already asked for this one. Status: %(status)s.")
            % {"status": open_request.get_status_display()},
        )
    if controlled:
        return Eligibility(
            Next.CALL,
            _("This is a controlled medicine, so it cannot be refilled online.")
            + " "
            + clinic_call_words(clinic_phone),
        )
    if medication.refills_allowed == 0:
        prescriber = medication.prescriber.display_name if medication.prescriber else ""
        to_whom = prescriber or _("the person who prescribed it")
        return Eligibility(
            Next.RENEWAL,
            _(
                "No refills are left. You can ask for a renewal: %(prescriber)s decides whether "
                "to prescribe it again."
            )
            % {"prescriber": to_whom},
        )
    if medication.refills_allowed is None:
        return Eligibility(Next.REFILL, _("You can ask for a refill."))
    left = medication.refills_allowed
    return Eligibility(
        Next.REFILL,
        ngettext(
            "You can ask for a refill. %(count)s refill left.",
            "You can ask for a refill. %(count)s refills left.",
            left,
        )
        % {"count": left},
    )
