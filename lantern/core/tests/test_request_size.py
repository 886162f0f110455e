"""A request body larger than the portal accepts is refused with a 413 page before it is read
(issue 9, item 14c)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lantern.testing.auth import sign_in

pytestmark = pytest.mark.django_db


def test_the_limit_covers_a_full_message_of_attachments_and_not_much_more():
    attachments = settings.MESSAGE_ATTACHMENT_MAX_BYTES * settings.MESSAGE_ATTACHMENTS_PER_MESSAGE

    assert attachments < settings.REQUEST_BODY_MAX_BYTES <= attachments + 2 * 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 1024 * 1024


def test_an_oversized_body_is_refused_with_a_clear_page_before_it_is_read(client):
    # The body is empty but announced as one byte over the limit: reading it would fail, so a
    # 413 shows the request was turned away on its announced size alone.
    response = client.generic(
        "POST",
        reverse("accounts:sign_in"),
        data=b"",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(settings.REQUEST_BODY_MAX_BYTES + 1),
    )

    assert response.status_code == 413
    content = response.content.decode()
    assert "That was too large to send" in content
    assert content.count("<h1") == 1
    assert response["Connection"] == "close"


def test_a_message_with_too_many_large_files_gets_the_413_page(client, alice, settings):
    settings.REQUEST_BODY_MAX_BYTES = 20_000
    sign_in(client, alice)
    files = [
        SimpleUploadedFile(f"scan-{index}.pdf", b"%PDF-1.4\n" + b"0" * 8_000, "application/pdf")
        for index in range(3)
    ]

    response = client.post(
        reverse("messaging:new", kwargs={"patient_id": alice.patient_id}),
        {"subject": "Scans", "body": "Here they are.", "attachments": files},
    )

    assert response.status_code == 413


def test_a_body_within_the_limit_goes_through(client, settings):
    settings.REQUEST_BODY_MAX_BYTES = 20_000

    response = client.post(reverse("accounts:sign_in"), {"username": "x", "password": "y"})

    assert response.status_code != 413
