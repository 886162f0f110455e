"""PDFs with scripts or actions are refused and photos lose their EXIF/GPS data (issue 9, 14e).

The files are built here: PDFs with pypdf's writer, photos with Pillow.
"""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from lantern.messaging.attachments import attachment_check, attachment_store
from lantern.messaging.models import Message
from lantern.testing.auth import sign_in
from lantern.testing.factories_messaging import ConversationFactory

from .conftest import pdf_bytes, upload

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def blank_writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    return writer


def pdf_with_javascript() -> bytes:
    """Document-level JavaScript, run when the file opens (the /Names /JavaScript tree)."""
    writer = blank_writer()
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hello');"),
        }
    )
    tree = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("hello"), writer._add_object(action)])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(tree)}
    )
    return written(writer)


def pdf_opening_with_javascript() -> bytes:
    writer = blank_writer()
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.launchURL('https://example.org');"),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    return written(writer)


def pdf_with_launch_action() -> bytes:
    writer = blank_writer()
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("cmd.exe"),
        }
    )
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
    return written(writer)


def pdf_with_embedded_file() -> bytes:
    writer = blank_writer()
    writer.add_attachment("notes.txt", b"hidden")
    return written(writer)


def pdf_opening_at_page_one() -> bytes:
    writer = blank_writer()
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(
        DictionaryObject(
            {
                NameObject("/S"): NameObject("/GoTo"),
                NameObject("/D"): writer.pages[0].indirect_reference,
            }
        )
    )
    return written(writer)


def refusal(content: bytes, name: str = "scan.pdf") -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        attachment_check(upload(name, content, "application/pdf"))
    return raised.value


@pytest.mark.parametrize(
    "build",
    [
        pdf_with_javascript,
        pdf_opening_with_javascript,
        pdf_with_launch_action,
        pdf_with_embedded_file,
    ],
)
def test_a_pdf_with_scripts_or_actions_is_refused_with_a_clear_reason(build):
    error = refusal(build())

    assert error.code == "pdf_active_content"
    assert error.messages[0].startswith("scan.pdf contains scripts or actions")


@pytest.mark.parametrize(
    "content",
    [b"%PDF-1.7\n" + b"\x00garbage" * 200, b"%PDF-1.4\n1 0 obj << /Type /Catalog"],
)
def test_a_pdf_that_cannot_be_parsed_is_refused(content):
    error = refusal(content)

    assert error.code == "pdf_unreadable"
    assert "We could not open scan.pdf" in error.messages[0]


def test_ordinary_pdfs_are_still_accepted():
    for content in (pdf_bytes(), written(blank_writer()), pdf_opening_at_page_one()):
        assert attachment_check(upload("diary.pdf", content)).content_type == "application/pdf"


def photo_with_gps(image_format: str = "JPEG") -> bytes:
    """A 40 x 20 picture that says "turn me 90 degrees" and where and with what it was taken."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model 7"
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (51.0, 30.0, 12.5)
    gps[3] = "W"
    gps[4] = (0.0, 7.0, 39.0)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(buffer, format=image_format, exif=exif.tobytes())
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("image_format", "name"), [("JPEG", "rash.jpg"), ("PNG", "rash.png"), ("WEBP", "rash.webp")]
)
def test_a_photo_is_stored_without_exif_or_gps_and_still_upright(
    image_format, name, settings, tmp_path
):
    settings.PRIVATE_FILES_ROOT = tmp_path
    original = photo_with_gps(image_format)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    stored = attachment_store(attachment_check(upload(name, original)))

    content = (tmp_path / "attachments" / stored.storage_name).read_bytes()
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == image_format
        assert not image.getexif()
        assert "exif" not in image.info
        # The orientation tag turned the picture; the pixels are turned instead.
        assert image.size == (20, 40)
    assert b"PhoneMaker" not in content
    assert b"Exif" not in content
    assert stored.size == len(content)


@pytest.mark.django_db
def test_the_message_page_shows_the_pdf_refusal_at_the_field(alice, nursing):
    conversation = ConversationFactory(
        patient=alice.patient, pool=nursing, created_by=alice, subject="Knee pain"
    )
    client = sign_in(Client(), alice)
    url = reverse(
        "messaging:reply",
        kwargs={"patient_id": conversation.patient_id, "conversation_id": conversation.pk},
    )

    response = client.post(
        url,
        {
            "body": "The letter.",
            "submission_id": str(uuid.uuid4()),
            "attachments": [upload("letter.pdf", pdf_with_javascript(), "application/pdf")],
        },
    )

    assert response.status_code == 200
    assert "letter.pdf contains scripts or actions" in response.text
    assert not Message.objects.exists()
