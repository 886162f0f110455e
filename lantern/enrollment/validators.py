"""Password rules beyond Django's own, after NIST SP 800-63B.

NIST asks for long passwords without composition rules, checked against lists of common and
breached passwords and against words tied to the person or the service. Django's validators in
settings.AUTH_PASSWORD_VALIDATORS cover length, common passwords and similarity to the account's
fields; these add an upper bound, repeated and sequential strings, the most common passwords of
12 characters or more (Django's list is mostly shorter), the patient's own details and an
optional breached list.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

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
                _("Your password is too long. Use %(max_length)d characters or fewer."),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return _("Use no more than %(max_length)d characters.") % {"max_length": self.max_length}


class PersonalDetailsValidator:
    """Reject passwords built from the patient's name or date of birth, or the clinic's name."""

    def __init__(self, max_similarity: float = 0.7) -> None:
        self.max_similarity = max_similarity

    def validate(self, password: str, user: Any = None) -> None:
        patient = getattr(user, "patient", None) if user is not None else None
        letters = plain_letters(password)
        words = [settings.CLINIC_NAME]
        names = _person_names(user, patient)
        if patient is not None:
            words += [patient.given_names, patient.family_name]
            if patient.birth_date is not None and _contains_birth_date(letters, patient.birth_date):
                raise ValidationError(
                    _(
                        "Your password contains your date of birth. Choose something others "
                        "cannot find out."
                    ),
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
                        _(
                            "Your password is too close to your name or the clinic's name. "
                            "Choose something others cannot guess."
                        ),
                        code="password_too_similar",
                    )
        name_parts = _name_parts(names)
        only_letters = "".join(character for character in letters if character.isalpha())
        # "jill.tillman1971", "Tillman-Jill-42", "jilljill2024": once separators and digits
        # are set aside, nothing is left but the person's own names.
        if only_letters and _made_of(only_letters, name_parts):
            raise ValidationError(
                _(
                    "Your password is made from your name. Add words that have nothing to do "
                    "with you."
                ),
                code="password_is_name",
            )
        # A name and the birth year together ("sunnyjill1971") are the first guesses of anyone
        # who knows the patient, even with other words around them.
        if patient is not None and patient.birth_date is not None:
            year = f"{patient.birth_date:%Y}"
            if year in letters and any(
                len(part) >= 3 and part in only_letters for part in name_parts
            ):
                raise ValidationError(
                    _(
                        "Your password combines your name and the year you were born. Choose "
                        "something others cannot guess."
                    ),
                    code="password_has_name_and_birth_year",
                )

    def get_help_text(self) -> str:
        return _("Do not use your name, your date of birth or the clinic's name.")


def _person_names(user: Any, patient: Any) -> list[str]:
    names = []
    if patient is not None:
        names += [patient.given_names, patient.family_name]
    if user is not None:
        names += [getattr(user, "first_name", ""), getattr(user, "last_name", "")]
    return [name for name in names if name]


def _name_parts(names: list[str]) -> set[str]:
    """Each name whole and split at spaces, hyphens and apostrophes, in plain letters."""
    parts = set()
    for name in names:
        for part in [*re.split(r"[\s\-'\u2019.]+", name), name]:
            plain = "".join(character for character in plain_letters(part) if character.isalpha())
            if len(plain) >= 2:
                parts.add(plain)
    return parts


def _made_of(letters: str, parts: set[str]) -> bool:
    """True when `letters` is nothing but the given parts, in any order, repeats allowed."""
    if not parts:
        return False
    reachable = [True] + [False] * len(letters)
    for end in range(1, len(letters) + 1):
        reachable[end] = any(
            reachable[end - len(part)] and letters.endswith(part, 0, end)
            for part in parts
            if len(part) <= end
        )
    return reachable[-1]


def _contains_birth_date(letters: str, birth_date: Any) -> bool:
    year, month, day = f"{birth_date:%Y}", f"{birth_date:%m}", f"{birth_date:%d}"
    forms = {year + month + day, month + day + year, day + month + year, month + day + year[2:]}
    return any(form in letters for form in forms)


KEYBOARD_ROWS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./")
# A run this long counts: "abcd", "4321", "qwer", "aaaa". Shorter ones occur in ordinary words.
SHORTEST_RUN = 4


class RepeatedOrSequentialValidator:
    """Reject a password that is mostly one repeated character or a run of sequential ones.

    Refused when more than half of its characters lie in runs of four or more of the same
    character ("aaaa"), of consecutive letters or digits up or down ("abcd", "4321"), or of
    neighbouring keys along a keyboard row ("qwer", "lkjh"); when more than half of it is one
    character; or when it is one shorter piece repeated ("abcabcabcabc"). Such passwords meet
    the length rule and are the first an attacker tries.
    """

    def validate(self, password: str, user: Any = None) -> None:
        if password and _mostly_repeated_or_sequential(password.casefold()):
            raise ValidationError(
                _(
                    "Your password is mostly repeated or consecutive characters, like aaaa, "
                    "1234 or qwerty. Use a few unrelated words instead."
                ),
                code="password_repeated_or_sequential",
            )

    def get_help_text(self) -> str:
        return _("Do not use repeated or consecutive characters such as aaaa, 1234 or qwerty.")


def _mostly_repeated_or_sequential(text: str) -> bool:
    if Counter(text).most_common(1)[0][1] * 2 > len(text):
        return True
    if re.fullmatch(r"(.+?)\1+", text, flags=re.DOTALL):
        return True
    covered = [False] * len(text)
    start, kinds = 0, set()
    for index in range(1, len(text) + 1):
        step = _step_kinds(text[index - 1], text[index]) if index < len(text) else set()
        joined = kinds & step if index - start > 1 else step
        if joined:
            kinds = joined
            continue
        if index - start >= SHORTEST_RUN:
            covered[start:index] = [True] * (index - start)
        start, kinds = index - 1, step
        if not step:
            start = index
    return sum(covered) * 2 > len(text)


def _step_kinds(before: str, after: str) -> set[str]:
    """How one character follows another: same, next or previous in the alphabet or digits, or
    the next or previous key on a keyboard row."""
    kinds = set()
    if before == after:
        kinds.add("same")
    if (before.isdigit() and after.isdigit()) or (before.isalpha() and after.isalpha()):
        difference = ord(after) - ord(before)
        if difference in (1, -1):
            kinds.add(f"alphabet{difference:+d}")
    for row in KEYBOARD_ROWS:
        if before in row and after in row:
            difference = row.index(after) - row.index(before)
            if difference in (1, -1):
                kinds.add(f"keyboard{difference:+d}")
    return kinds


COMMON_LONG_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords-12.txt.gz"


class CommonLongPasswordValidator(CommonPasswordValidator):
    """The 5,000 most common passwords of 12 characters or more (see data/README.md for the
    source and licence), checked like Django's own list, which is mostly shorter."""

    def __init__(self, password_list_path: str | Path = COMMON_LONG_PASSWORDS_FILE) -> None:
        self.passwords = _password_list(str(password_list_path))

    def get_error_message(self) -> str:
        return _(
            "This password is one of the most common ones, so others may try it. "
            "Choose a different one."
        )

    def get_help_text(self) -> str:
        return _("Do not use a common password.")


@cache
def _password_list(path: str) -> frozenset[str]:
    """Read once per process: every password form would otherwise reread the file."""
    return frozenset(CommonPasswordValidator(password_list_path=path).passwords)


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
                _(
                    "This password has appeared in a data breach, so others may try it. "
                    "Choose a different one."
                ),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return _("Do not use a password that has appeared in a data breach.")


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
