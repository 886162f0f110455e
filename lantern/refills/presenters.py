"""What the refill pages show, worded in Python rather than through template tags for each
value: a request's status (the medicines list shows one in each row), and the request form's
medicines and pharmacies."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .models import Pharmacy, RefillRequest, RefillStatus

if TYPE_CHECKING:
    from .forms import RefillRequestForm

# The tag's colour goes with its words, never alone; a request still on its way is primary blue.
_STATUS_TAG_CLASSES = {
    RefillStatus.APPROVED: "bg-green",
    RefillStatus.COMPLETED: "bg-green",
    RefillStatus.DENIED: "bg-secondary-dark",
    RefillStatus.CANCELLED: "bg-base-dark",
}


def status_tag(refill: RefillRequest) -> SafeString:
    """The request's status as a tag, and the pharmacy's progress as a second tag if any."""
    tag = format_html(
        '<span class="usa-tag {}" data-testid="refill-status">{}</span>',
        _STATUS_TAG_CLASSES.get(refill.status, "bg-primary"),
        refill.get_status_display(),
    )
    if refill.business_status:
        tag += format_html(
            ' <span class="usa-tag bg-base-darker">{}</span>',
            refill.get_business_status_display(),
        )
    return tag


def medicine_checkboxes(form: RefillRequestForm) -> SafeString:
    """A checkbox for each medicine that may be asked for, ticked as sent (or as the link from
    the medicines page asked), with what asking for it means as its hint."""
    chosen = form.chosen_ids()
    not_named = _("Medicine not named")
    boxes = []
    for row in form.requestable_rows:
        pk = html.escape(str(row.medication.pk))
        boxes.append(
            '<div class="usa-checkbox">'
            f'<input class="usa-checkbox__input" type="checkbox" id="medication-{pk}" '
            f'name="medications" value="{pk}"{" checked" if pk in chosen else ""} '
            f'aria-describedby="medication-{pk}-hint">'
            f'<label class="usa-checkbox__label" for="medication-{pk}">'
            f"{html.escape(row.medication.display or not_named)} "
            f'<span class="usa-checkbox__label-description" id="medication-{pk}-hint">'
            f"{html.escape(row.eligibility.words)}</span></label></div>"
        )
    return mark_safe("\n".join(boxes))  # noqa: S308 (every value escaped)


def pharmacy_options(form: RefillRequestForm) -> SafeString:
    """The pharmacy list's options: the patient's own pharmacies (the usual one marked), then
    the clinic's others with their addresses; the one sent (or the usual one) selected."""
    value = form["pharmacy"].value()
    selected = "" if value is None else str(value)
    pharmacies = form.pharmacies

    def option(pharmacy: Pharmacy, words: str) -> str:
        pk = str(pharmacy.pk)
        chosen = " selected" if pk == selected else ""
        return f'<option value="{html.escape(pk)}"{chosen}>{html.escape(words)}</option>'

    options = [f'<option value="">{html.escape(_("- Choose a pharmacy -"))}</option>']
    if pharmacies.saved:
        usual = _("(your usual)")
        mine = "".join(
            option(p, f"{p.name} {usual}" if p == pharmacies.default else p.name)
            for p in pharmacies.saved
        )
        options.append(f'<optgroup label="{html.escape(_("Your pharmacies"))}">{mine}</optgroup>')
    if pharmacies.clinic:
        others = "".join(
            option(p, f"{p.name}, {p.address}" if p.address else p.name) for p in pharmacies.clinic
        )
        options.append(
            f'<optgroup label="{html.escape(_("Other pharmacies"))}">{others}</optgroup>'
        )
    return mark_safe("\n".join(options))  # noqa: S308 (every value escaped)
