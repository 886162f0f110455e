"""Files sent with messages: checked by their content, kept outside the web root.

A file is accepted only if its bytes say it is a PNG, JPEG, GIF or WebP image (which Pillow must
also be able to parse) or a PDF. The name the sender gave it and the type their browser claimed
are never trusted: a page of HTML called `scan.png` is refused, and the type recorded and later
sent back in the download's Content-Type is the one found in the content.

Content that acts or tells more than the picture is removed or refused: a PDF must parse, and one
with JavaScript, launch or automatic actions, embedded files, rich media or XFA forms is refused
(a patient's file is opened by clinic staff on clinic computers); a photo is re-encoded without
its EXIF, XMP and comments (GPS position, camera serial number, time taken), its orientation
applied first so it still shows the right way up.

Stored files get a random name under PRIVATE_FILES_ROOT/attachments/, are written to a temporary
file first and moved into place, and are readable by the server's user only. They are served only
by the download view, through the access layer, always as a download.
"""

from __future__ import annotations

import hashlib
import io
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
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

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
            _("You can send up to %(limit)s files with one message. Choose fewer files.")
            % {"limit": limit},
            code="too_many_files",
        )
    return [attachment_check(upload) for upload in files]


def attachment_check(upload: UploadedFile) -> CheckedFile:
    """Check one file by its content; raise ValidationError with a reason in plain words."""
    shown_name = _display_name(upload.name or "")
    size = upload.size or 0
    if size <= 0:
        raise ValidationError(
            _("%(name)s is empty. Choose another file.") % {"name": shown_name}, code="empty"
        )
    max_bytes = settings.MESSAGE_ATTACHMENT_MAX_BYTES
    if size > max_bytes:
        raise ValidationError(
            _("%(name)s is too big. Each file can be up to %(size)s.")
            % {"name": shown_name, "size": filesizeformat(max_bytes)},
            code="too_big",
        )
    content_type = _content_type(upload)
    if content_type is None:
        raise ValidationError(
            _(
                "%(name)s is not an image or a PDF. You can send photos (PNG, JPEG, GIF, WebP) "
                "and PDF documents."
            )
            % {"name": shown_name},
            code="type",
        )
    if content_type == "application/pdf":
        _pdf_check(upload, shown_name)
    else:
        upload = _image_without_metadata(upload, content_type)
        size = upload.size or 0
    return CheckedFile(
        upload=upload,
        filename=clean_filename(upload.name or "", content_type),
        content_type=content_type,
        size=size,
    )


# Names that make a PDF do something when opened or clicked, or carry other files inside it.
PDF_ACTIVE_NAMES = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/Launch",
        "/AA",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
    }
)
# A PDF whose object graph is larger than this is refused rather than walked for ever.
PDF_MAX_OBJECTS = 200_000


def _pdf_check(upload: UploadedFile, shown_name: str) -> None:
    """Refuse a PDF that cannot be parsed or that holds active content.

    Every object reachable from the trailer (catalogue, pages, annotations, forms, name trees)
    is walked. /OpenAction alone is allowed when it only opens a page; the action it names is
    walked like any other, so an opening script is still refused.
    """
    try:
        upload.seek(0)
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise _Unreadable
        active = _pdf_active_name(reader.trailer)
    except (_Unreadable, PyPdfError, ValueError, TypeError, KeyError, OSError, RecursionError):
        raise ValidationError(
            _(
                "We could not open %(name)s. It may be damaged or protected with a password. "
                "Save it again as a PDF without a password and send that instead."
            )
            % {"name": shown_name},
            code="pdf_unreadable",
        ) from None
    finally:
        upload.seek(0)
    if active is not None:
        raise ValidationError(
            _(
                "%(name)s contains scripts or actions that could run on the computer that "
                "opens it, so we cannot accept it. Print it to a new PDF, or take a photo of it, "
                "and send that instead."
            )
            % {"name": shown_name},
            code="pdf_active_content",
        )


class _Unreadable(Exception):
    pass


def _pdf_active_name(root: object) -> str | None:
    """The first active name found in the object graph, or None."""
    seen: set[tuple[int, int]] = set()
    pending = [root]
    visited = 0
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > PDF_MAX_OBJECTS:
            raise _Unreadable
        if isinstance(item, DictionaryObject):
            for name, value in item.items():
                if name in PDF_ACTIVE_NAMES:
                    return str(name)
                # The parent links point back up the page tree: nothing new below them.
                if name != "/Parent":
                    pending.append(value)
        elif isinstance(item, ArrayObject):
            pending.extend(item)
        elif isinstance(item, NameObject) and item in PDF_ACTIVE_NAMES:
            # As a value: /S /JavaScript, /S /Launch, /Type /EmbeddedFile, /Subtype /RichMedia.
            return str(item)
    return None


# Image metadata kept when re-encoding: how to show the pixels, never who, where or when.
IMAGE_INFO_KEPT = ("icc_profile", "transparency", "duration", "loop", "background", "disposal")


def _image_without_metadata(upload: UploadedFile, content_type: str) -> UploadedFile:
    """The picture re-encoded without EXIF (GPS, camera, time), XMP or comments.

    The EXIF orientation is applied to the pixels first, so the photo still shows upright once
    the tag that turned it is gone. Animated pictures keep their frames.
    """
    upload.seek(0)
    with Image.open(upload) as original:
        animated = getattr(original, "is_animated", False)
        image = original if animated else ImageOps.exif_transpose(original)
        kept = {key: original.info[key] for key in IMAGE_INFO_KEPT if key in original.info}
        image.info = dict(kept)
        output = io.BytesIO()
        options: dict[str, object] = {"format": PILLOW_FORMATS[content_type], **kept}
        if content_type == "image/jpeg":
            options.update(quality=92, optimize=True)
        elif content_type == "image/webp":
            options.update(quality=92)
        if animated:
            options["save_all"] = True
        image.save(output, **options)
    upload.seek(0)
    return SimpleUploadedFile(upload.name or "", output.getvalue(), content_type=content_type)


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
    return base[:MAX_FILENAME_LENGTH] or _("The file")


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
