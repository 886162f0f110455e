"""Files are accepted by their content, stored privately, and refused with a clear reason."""

from __future__ import annotations

import hashlib
import io
import stat

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image

from lantern.messaging.attachments import (
    attachment_check,
    attachment_path,
    attachment_store,
    attachments_check,
    clean_filename,
)

from .conftest import pdf_bytes, png_bytes, stored_files, upload


def reason(file) -> str:
    with pytest.raises(ValidationError) as raised:
        attachment_check(file)
    return raised.value.messages[0]


def image_bytes(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3)).save(buffer, format=image_format)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("image_format", "content_type", "extension"),
    [
        ("PNG", "image/png", "png"),
        ("JPEG", "image/jpeg", "jpg"),
        ("GIF", "image/gif", "gif"),
        ("WEBP", "image/webp", "webp"),
    ],
)
def test_real_images_are_accepted_by_content(image_format, content_type, extension):
    checked = attachment_check(upload("photo", image_bytes(image_format)))

    assert checked.content_type == content_type
    assert checked.filename == f"photo.{extension}"


def test_a_real_pdf_is_accepted():
    checked = attachment_check(upload("diary.pdf", pdf_bytes(), "text/html"))

    assert checked.content_type == "application/pdf"
    assert checked.filename == "diary.pdf"


def test_the_detected_type_wins_over_the_name_and_the_browsers_claim():
    checked = attachment_check(upload("invoice.exe", png_bytes(), "application/x-msdownload"))

    assert checked.content_type == "image/png"
    assert checked.filename == "invoice.png"


def test_an_html_page_named_pdf_is_refused():
    html = b"<!DOCTYPE html><html><body><script>fetch('/')</script></body></html>"

    assert reason(upload("results.pdf", html, "application/pdf")) == (
        "results.pdf is not an image or a PDF. You can send photos (PNG, JPEG, GIF, WebP) "
        "and PDF documents."
    )


def test_an_executable_named_png_is_refused():
    elf = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200

    assert reason(upload("scan.png", elf, "image/png")).startswith(
        "scan.png is not an image or a PDF"
    )
    assert reason(upload("scan.png", exe, "image/png")).startswith(
        "scan.png is not an image or a PDF"
    )


def test_a_gif_header_with_junk_is_refused():
    assert reason(upload("cat.gif", b"GIF89a" + b"\xff" * 64)).startswith(
        "cat.gif is not an image or a PDF"
    )


def test_a_png_with_a_pdf_marker_later_is_still_checked_as_an_image():
    # Polyglots: what the first bytes say is checked by parsing the whole image.
    broken_png = png_bytes()[:40] + b"%PDF-1.7 trailing"

    assert "is not an image or a PDF" in reason(upload("x.png", broken_png))


def test_a_pdf_marker_not_at_the_start_is_refused():
    assert "is not an image or a PDF" in reason(upload("x.pdf", b"  \n" + pdf_bytes()))


def test_an_empty_file_is_refused():
    assert reason(upload("empty.pdf", b"")) == "empty.pdf is empty. Choose another file."


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.MESSAGE_ATTACHMENT_MAX_BYTES = 100

    assert reason(upload("big.png", png_bytes((64, 64)) + b"\x00" * 100)) == (
        "big.png is too big. Each file can be up to 100\xa0bytes."
    )


def test_too_many_files_are_refused(settings):
    settings.MESSAGE_ATTACHMENTS_PER_MESSAGE = 2
    files = [upload(f"{n}.png", png_bytes()) for n in range(3)]

    with pytest.raises(ValidationError) as raised:
        attachments_check(files)

    assert raised.value.messages == [
        "You can send up to 2 files with one message. Choose fewer files."
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\me\\My scan (1).png", "My_scan_1.png"),
        ("<script>.png", "script.png"),
        ("..png", "attachment.png"),
        ("", "attachment.png"),
        ("a" * 300 + ".png", "a" * 116 + ".png"),
    ],
)
def test_the_shown_name_is_cleaned_and_short(name, expected):
    assert clean_filename(name, "image/png") == expected


def test_a_stored_file_is_private_random_named_and_hashed(private_root):
    content = png_bytes()
    checked = attachment_check(upload("rash.png", content))

    stored = attachment_store(checked)

    path = attachment_path(stored.storage_name)
    assert path.parent == private_root / "attachments"
    assert path.read_bytes() == content
    assert "rash" not in stored.storage_name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert stored.size == len(content)
    # Only the file itself is left: the temporary file was moved into place.
    assert stored_files(private_root) == [path]


def test_files_land_under_the_private_root_and_not_the_static_root():
    stored = attachment_store(attachment_check(upload("rash.png", png_bytes())))

    path = attachment_path(stored.storage_name).resolve()
    assert path.is_relative_to(settings.PRIVATE_FILES_ROOT.resolve())
    assert not path.is_relative_to(settings.STATIC_ROOT.resolve())
    assert not path.is_relative_to(settings.BASE_DIR / "static")


@pytest.mark.parametrize("name", ["../secret", "x/../../y.png", "abc.png", ""])
def test_a_storage_name_that_is_not_ours_is_refused(name):
    with pytest.raises(ValueError):
        attachment_path(name)
