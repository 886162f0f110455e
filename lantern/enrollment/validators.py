"""Password rules beyond Django's own, after NIST SP 800-63B.

NIST asks for long passwords without composition rules, checked against lists of common and
breached passwords and against words tied to the person or the service. Django's validators in
settings.AUTH_PASSWORD_VALIDATORS cover length, common passwords and similarity to the account's
fields; these add an upper bound, the patient's own details and an optional breached list.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

# Argon2 copes with any length; the cap only stops pasting a whole document as a password.
MAXIMUM_PASSWORD_LENGTH = 128


def plain_letters(value: str) -> str:
    """Lower case, accents removed and only letters and digits kept ("O'Keefe" -> "okeefe")."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(
        character
        for character in decomposed.casefold()
        if character.isalnum() and not unicodedata.combining(character)
    )


class MaximumLengthValidator:
    def __init__(self, max_length: int = MAXIMUM_PASSWORD_LENGTH) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                "Your password is too long. Use %(max_length)d characters or fewer.",
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return f"Use no more than {self.max_length} characters."


class PersonalDetailsValidator:
    """Reject passwords built from the patient's name or date of birth, or the clinic's name."""

    def __init__(self, max_similarity: float = 0.7) -> None:
        self.max_similarity = max_similarity

    def validate(self, password: str, user: Any = None) -> None:
        patient = getattr(user, "patient", None) if user is not None else None
        letters = plain_letters(password)
        words = [settings.CLINIC_NAME]
        if patient is not None:
            words += [patient.given_names, patient.family_name]
            if patient.birth_date is not None and _contains_birth_date(letters, patient.birth_date):
                raise ValidationError(
                    "Your password contains your date of birth. Choose something others "
                    "cannot find out.",
                    code="password_has_birth_date",
                )
        for word in words:
            for part in [*re.split(r"\s+", word), word]:
                plain_part = plain_letters(part)
                if len(plain_part) < 3:
                    continue
                ratio = SequenceMatcher(a=letters, b=plain_part).quick_ratio()
                if ratio >= self.max_similarity:
                    raise ValidationError(
                        "Your password is too close to your name or the clinic's name. "
                        "Choose something others cannot guess.",
                        code="password_too_similar",
                    )

    def get_help_text(self) -> str:
        return "Do not use your name, your date of birth or the clinic's name."


def _contains_birth_date(letters: str, birth_date: Any) -> bool:
    year, month, day = f"{birth_date:%Y}", f"{birth_date:%m}", f"{birth_date:%d}"
    forms = {year + month + day, month + day + year, day + month + year, month + day + year[2:]}
    return any(form in letters for form in forms)


class BreachedPasswordValidator:
    """Reject passwords found in a list of breached passwords, when the operator provides one.

    The list is a text file of upper-case SHA-1 hashes, one per line, sorted (an optional
    ":count" after each hash is ignored), like the downloadable Pwned Passwords list. Lantern
    cannot fetch such a list (the portal does not call out to the internet), so none is bundled
    and the check is off until settings.BREACHED_PASSWORDS_FILE names one; Django's list of
    20,000 common passwords, itself drawn from breaches, is always checked.
    """

    def __init__(self, path: str | None = None) -> None:
        self.path = path

    def validate(self, password: str, user: Any = None) -> None:
        path = self.path if self.path is not None else settings.BREACHED_PASSWORDS_FILE
        if not path:
            return
        digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
        if _sorted_file_contains(Path(path), digest):
            raise ValidationError(
                "This password has appeared in a data breach, so others may try it. "
                "Choose a different one.",
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return "Do not use a password that has appeared in a data breach."


def _sorted_file_contains(path: Path, digest: str) -> bool:
    """Binary search by byte offset, so a list of hundreds of millions of lines stays cheap."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise ImproperlyConfigured(
            f"BREACHED_PASSWORDS_FILE {path} cannot be read: {error.strerror}."
        ) from error
    target = digest.encode()
    with handle:
        low, high = 0, path.stat().st_size
        while low < high:
            middle = (low + high) // 2
            handle.seek(middle)
            if middle:
                handle.readline()
            line = handle.readline()
            key = line.split(b":", 1)[0].strip()
            if not line or key > target:
                high = middle
            elif key == target:
                return True
            else:
                low = middle + 1
        handle.seek(low)
        if low:
            handle.readline()
        line = handle.readline()
        return line.split(b":", 1)[0].strip() == target
