"""The help centre's "Contact support" form, for anyone, signed in or not."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_GET, require_http_methods

from lantern.access.decorators import public
from lantern.core.client_address import client_ip
from lantern.pages.frames import frame_layout

from . import selectors, services
from .forms import SupportRequestForm


@public
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    clinics = list(selectors.clinics_taking_support_requests())
    context = {"frame_layout": frame_layout(request), "current_section": "help"}
    if not clinics:
        return render(request, "support/contact_closed.html", context)
    form = SupportRequestForm(request.POST or None, clinics=clinics)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        if form.is_from_a_program:
            # Answered like a success, so the program learns nothing; nothing is kept.
            return redirect("support:sent")
        try:
            services.support_request_submit(
                organization=form.cleaned_data["organization"],
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                topic=form.cleaned_data["topic"],
                message=form.cleaned_data["message"],
                submission_key=form.cleaned_data["submission_key"],
                address=client_ip(request),
                language=translation.get_language() or "",
            )
        except services.SupportError as error:
            problems.append(error.message)
        else:
            return redirect("support:sent")
    context.update({"form": form, "problems": problems})
    return render(request, "support/contact.html", context)


@public
@require_GET
def sent(request: HttpRequest) -> HttpResponse:
    context = {
        "frame_layout": frame_layout(request),
        "current_section": "help",
        "reply_days": settings.MESSAGE_REPLY_BUSINESS_DAYS,
    }
    return render(request, "support/contact_sent.html", context)
