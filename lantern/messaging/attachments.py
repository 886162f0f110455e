"""Files sent with messages: checked by their content, kept outside the web root.

A file is accepted only if its bytes say it is a PNG, JPEG, GIF or WebP image (which Pillow must
also be able to parse) or a PDF. The name the sender gave it and the type their browser claimed
are never trusted: a page of HTML called `scan.png` is refused, and the type recorded and later
sent back in the download's Content-Type is the one found in the content.

Stored files get a random name under PRIVATE_FILES_ROOT/attachments/, are written to a temporary
file first and moved into place, and are readable by the server's user only. They are served only
by the download view, through the access layer, always as a download.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import filetype
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from PIL import Image

# The types we accept, each with the extension the stored name is given.
ALLOWED_TYPES: dict[str, str] = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
# What Pillow must call an image of each accepted image type.
PILLOW_FORMATS: dict[str, str] = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}
# `filetype` looks at the first bytes only; this many is enough for every type it knows.
SNIFF_BYTES = 8192
MAX_FILENAME_LENGTH = 120
CHUNK_BYTES = 64 * 1024
ATTACHMENTS_FOLDER = "attachments"
# 40 random hex digits and one of our extensions: nothing that can climb out of the folder.
STORAGE_NAME = re.compile(r"[0-9a-f]{40}\.(?:png|jpg|gif|webp|pdf)")


@dataclass(frozen=True)
class CheckedFile:
    """An upload whose content was checked: the name to show and the type found in it."""

    upload: UploadedFile
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class StoredFile:
    """A checked file written under PRIVATE_FILES_ROOT."""

    checked: CheckedFile
    storage_name: str
    sha256: str
    size: int


def attachments_folder() -> Path:
    return Path(settings.PRIVATE_FILES_ROOT) / ATTACHMENTS_FOLDER


def attachment_path(storage_name: str) -> Path:
    """Where a stored file lives; the name is ours (random hex), never the sender's."""
    if not STORAGE_NAME.fullmatch(storage_name):
        raise ValueError(f"Not an attachment storage name: {storage_name!r}")
    return attachments_folder() / storage_name


def attachments_check(files: Sequence[UploadedFile]) -> list[CheckedFile]:
    """Check every file before anything is saved; raise ValidationError naming the first bad one.

    The messages are safe to show: they name the file as the sender named it and say what to do.
    """
    limit = settings.MESSAGE_ATTACHMENTS_PER_MESSAGE
    if len(files) > limit:
        raise ValidationError(
            f"You can send up to {limit} files with one message. Choose fewer files.",
            code="too_many_files",
        )
    return [attachment_check(upload) for upload in files]


def attachment_check(upload: UploadedFile) -> CheckedFile:
    """Check one file by its content; raise ValidationError with a reason in plain words."""
    shown_name = _display_name(upload.name or "")
    size = upload.size or 0
    if size <= 0:
        raise ValidationError(f"{shown_name} is empty. Choose another file.", code="empty")
    max_bytes = settings.MESSAGE_ATTACHMENT_MAX_BYTES
    if size > max_bytes:
        raise ValidationError(
            f"{shown_name} is too big. Each file can be up to {filesizeformat(max_bytes)}.",
            code="too_big",
        )
    content_type = _content_type(upload)
    if content_type is None:
        raise ValidationError(
            f"{shown_name} is not an image or a PDF. You can send photos (PNG, JPEG, GIF, WebP) "
            "and PDF documents.",
            code="type",
        )
    return CheckedFile(
        upload=upload,
        filename=clean_filename(upload.name or "", content_type),
        content_type=content_type,
        size=size,
    )


def clean_filename(name: str, content_type: str) -> str:
    """The sender's name for the file, safe to show and to put in Content-Disposition.

    Folders are dropped, unsafe characters removed, and the extension set to match the content,
    so a PDF is never offered as `invoice.exe`.
    """
    extension = ALLOWED_TYPES[content_type]
    stem = Path(os.path.basename(name.replace("\\", "/"))).stem
    try:
        stem = get_valid_filename(stem)
    except SuspiciousFileOperation:
        # Django refuses names that clean to "" or "..".
        stem = ""
    stem = stem.strip("._") or "attachment"
    stem = stem[: MAX_FILENAME_LENGTH - len(extension) - 1]
    return f"{stem}.{extension}"


def attachment_store(checked: CheckedFile) -> StoredFile:
    """Write a checked file under a random name, readable by this process's user only.

    The bytes go to a temporary file in the same folder, which is then moved into place, so a
    reader never sees half a file. The sha256 and size are of the bytes actually written.
    """
    folder = attachments_folder()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    storage_name = f"{secrets.token_hex(20)}.{ALLOWED_TYPES[checked.content_type]}"
    final_path = folder / storage_name
    temporary_path = folder / f"{storage_name}.{secrets.token_hex(4)}.part"
    digest = hashlib.sha256()
    size = 0
    descriptor = os.open(temporary_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as output:
            checked.upload.seek(0)
            for chunk in checked.upload.chunks(CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
                output.write(chunk)
            output.flush()
            os.fsync(output.fileno())
        os.replace(temporary_path, final_path)
    except BaseException:
        temporary_path.unlink(missing_ok=True)
        raise
    return StoredFile(
        checked=checked, storage_name=storage_name, sha256=digest.hexdigest(), size=size
    )


def attachments_remove(storage_names: Sequence[str]) -> None:
    """Delete stored files (their rows were never committed); a missing file is not an error."""
    for storage_name in storage_names:
        attachment_path(storage_name).unlink(missing_ok=True)


def _display_name(name: str) -> str:
    """The file's name for an error message: its last part, short, or "The file"."""
    base = os.path.basename(name.replace("\\", "/")).strip()
    return base[:MAX_FILENAME_LENGTH] or "The file"


def _content_type(upload: UploadedFile) -> str | None:
    """The accepted type the content shows, or None for anything else (or anything broken)."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        return None
    if kind.mime == "application/pdf":
        return kind.mime if head.startswith(b"%PDF-") else None
    return kind.mime if _is_real_image(upload, PILLOW_FORMATS[kind.mime]) else None


def _is_real_image(upload: UploadedFile, expected_format: str) -> bool:
    """Pillow can parse the whole image, it is the format the first bytes claim, and not a bomb."""
    try:
        with warnings.catch_warnings():
            # A picture with a huge pixel count is a decompression bomb: refuse, do not warn.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if image.format != expected_format:
                    return False
                image.verify()
    # Pillow reports a broken or hostile file with many exception types (OSError, SyntaxError,
    # ValueError, struct.error, DecompressionBombError...); any of them means "not an image".
    except Exception:
        return False
    finally:
        upload.seek(0)
    return True
