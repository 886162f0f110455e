"""A refill request's status as the pages show it, worded in Python once for every page that
shows it (the medicines list shows one in each row)."""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.safestring import SafeString

from .models import RefillRequest, RefillStatus

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
