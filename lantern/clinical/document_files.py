"""Files of imported documents: the PDFs and scans a DocumentReference carries inline.

Kept like message attachments (lantern.messaging.attachments): outside the web root, under
PRIVATE_FILES_ROOT/documents/, readable by the server's user only, written to a temporary file
first and moved into place, and served only by the record's download view, as a download.

A file is named by the SHA-256 of its bytes, so importing the same document again (or the same
document from another source) finds the file already there, and the stored name is the same on
every import.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

from django.conf import settings

DOCUMENTS_FOLDER = "documents"
# The content types a document file is kept as, each with the extension its name is given; any
# other binary content is kept too, as `.bin`, and downloaded as application/octet-stream.
EXTENSIONS: dict[str, str] = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/tiff": "tif",
}
OTHER_EXTENSION = "bin"
# 64 hex digits and one of our extensions: nothing that can climb out of the folder.
STORAGE_NAME = re.compile(r"[0-9a-f]{64}\.(?:pdf|png|jpg|gif|webp|tif|bin)")


def media_type(content_type: str) -> str:
    """`application/pdf` of `application/pdf; name=x.pdf`: the type without its parameters."""
    return content_type.partition(";")[0].strip().lower()


def document_storage_name(content: bytes, content_type: str) -> str:
    extension = EXTENSIONS.get(media_type(content_type), OTHER_EXTENSION)
    return f"{hashlib.sha256(content).hexdigest()}.{extension}"


def document_file_path(storage_name: str) -> Path:
    """Where a document's file lives; the name is its hash, never the source's."""
    if not STORAGE_NAME.fullmatch(storage_name):
        raise ValueError(f"Not a document storage name: {storage_name!r}")
    return Path(settings.PRIVATE_FILES_ROOT) / DOCUMENTS_FOLDER / storage_name


def document_file_store(storage_name: str, content: bytes) -> None:
    """Write a document's bytes under its name, unless a file of that name (the same bytes) is
    there already."""
    final_path = document_file_path(storage_name)
    if final_path.exists():
        return
    final_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary_path = final_path.with_name(f"{storage_name}.{secrets.token_hex(4)}.part")
    descriptor = os.open(temporary_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as output:
            output.write(content)
            output.flush()
            os.fsync(output.fileno())
        os.replace(temporary_path, final_path)
    except BaseException:
        temporary_path.unlink(missing_ok=True)
        raise


def document_file_bytes(storage_name: str) -> bytes:
    return document_file_path(storage_name).read_bytes()
