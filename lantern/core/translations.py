"""Compile the translation catalogs (`.po`, kept in the repo) to the `.mo` files Django reads.

Django's own `compilemessages` needs GNU gettext's `msgfmt`, which a fresh machine with only
Python does not have; polib writes the same binary format. `make run`, `make test`, the test
session itself and a deployment (`manage.py compile_translations`) call this; a catalog is
compiled again only when its `.po` is newer than its `.mo`. The `.mo` files are not in the repo.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]
CATALOG_FOLDERS = (ROOT / "locale", ROOT / "lantern")


def catalogs() -> Iterator[Path]:
    """Every `.po` file of the project: the frame's (locale/) and each app's."""
    for folder in CATALOG_FOLDERS:
        yield from sorted(folder.glob("**/locale/*/LC_MESSAGES/*.po"))
        yield from sorted(folder.glob("*/LC_MESSAGES/*.po"))


def compile_catalogs(*, force: bool = False) -> list[Path]:
    """Write each catalog's `.mo` beside it where it is missing or older; the ones written."""
    written = []
    for po_path in dict.fromkeys(catalogs()):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        polib.pofile(str(po_path)).save_as_mofile(str(partial))
        os.replace(partial, mo_path)  # whole or not at all, with parallel test workers
        written.append(mo_path)
    return written
