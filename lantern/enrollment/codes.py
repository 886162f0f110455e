"""Activation codes: made to be read aloud and typed, stored only as a keyed hash.

Twelve characters from 31 (digits and capitals without 0, O, 1, I and L, which people mix up)
give 12 x log2(31), about 59 bits, shown in three groups of four: 7KQ4-M2ZP-X9RT.
"""

from __future__ import annotations

import math
import secrets

from django.utils.crypto import salted_hmac

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 12
GROUP = 4
ENTROPY_BITS = LENGTH * math.log2(len(ALPHABET))
_HASH_SALT = "lantern.enrollment.ActivationCode"


def code_generate() -> str:
    """A new random code in its display form (XXXX-XXXX-XXXX)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[start : start + GROUP] for start in range(0, LENGTH, GROUP))


def code_normalize(typed: str) -> str:
    """What the patient typed, upper-cased, with spaces and dashes dropped."""
    return "".join(character for character in typed.upper() if character not in " -\t")


def code_hash(typed: str) -> str:
    """The stored form of a code: HMAC-SHA256 keyed with SECRET_KEY, of the normalized code.

    The code has about 59 random bits, so a fast keyed hash is enough: without the key the hash
    cannot be tested against guesses, and a lookup by hash needs it to be deterministic.
    """
    return salted_hmac(_HASH_SALT, code_normalize(typed), algorithm="sha256").hexdigest()


def code_looks_valid(typed: str) -> bool:
    normalized = code_normalize(typed)
    return len(normalized) == LENGTH and all(character in ALPHABET for character in normalized)
