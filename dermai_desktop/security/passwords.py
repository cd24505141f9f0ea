"""Password hashing with Argon2id and a strength policy built on zxcvbn."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from typing import Any, ClassVar

from argon2 import PasswordHasher as _Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from dermai_desktop.domain.errors import WeakPassword
from dermai_desktop.domain.users import MIN_PASSWORD_LENGTH

log = logging.getLogger(__name__)


def _normalise(password: str) -> str:
    # NFKC so a password typed with a different keyboard layout or input method
    # (composed vs decomposed accents, full-width digits) still matches (NIST 800-63B).
    return unicodedata.normalize("NFKC", password)


class Argon2PasswordHasher:
    """Argon2id hashes in PHC string format; parameters live in the hash itself.

    ``needs_rehash`` compares a stored hash with the current parameters so the
    login flow can upgrade old hashes transparently.
    """

    #: Production parameters: 64 MiB, 3 passes, 2 lanes. Measured 2025-11 on the
    #: 2-core build machine with argon2-cffi 25.1: median 67 ms per hash
    #: (t=2 -> 52 ms, t=4/p=4 -> 105 ms). Inside the 50-100 ms target; memory is
    #: the expensive part for a GPU attacker, so it is the parameter kept high.
    PRODUCTION: ClassVar[tuple[int, int, int]] = (3, 65536, 2)
    #: Smallest sensible parameters: for tests only, never for stored passwords.
    CHEAP: ClassVar[tuple[int, int, int]] = (1, 8, 1)

    def __init__(self, time_cost: int, memory_cost_kib: int, parallelism: int) -> None:
        self.time_cost = time_cost
        self.memory_cost_kib = memory_cost_kib
        self.parallelism = parallelism
        self._hasher = _Argon2(
            time_cost=time_cost,
            memory_cost=memory_cost_kib,
            parallelism=parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )

    @classmethod
    def production(cls) -> Argon2PasswordHasher:
        return cls(*cls.PRODUCTION)

    @classmethod
    def cheap(cls) -> Argon2PasswordHasher:
        return cls(*cls.CHEAP)

    def hash(self, password: str) -> str:
        return self._hasher.hash(_normalise(password))

    def verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, _normalise(password))
        except VerifyMismatchError:
            return False
        except (InvalidHashError, VerificationError):
            # A damaged stored hash must not let anyone in, nor crash the login form.
            log.warning("stored password hash is not a valid Argon2 hash")
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(stored_hash)
        except (InvalidHashError, ValueError):
            return True


class ZxcvbnPasswordPolicy:
    """Length first, then zxcvbn's guessability estimate with the person's own words."""

    #: zxcvbn refuses longer input (its matchers are quadratic); the rest of a long
    #: password only adds strength, so judging the start is conservative.
    ANALYSED_LENGTH: ClassVar[int] = 72

    def __init__(self, min_length: int = MIN_PASSWORD_LENGTH, min_score: int = 3) -> None:
        self.min_length = min_length
        self.min_score = min_score

    def check(self, password: str, user_inputs: Sequence[str]) -> None:
        """Raise ``WeakPassword`` with one plain reason; return if acceptable."""
        password = _normalise(password)
        if len(password) < self.min_length:
            raise WeakPassword(
                f"The password is too short: use at least {self.min_length} characters.",
                "A few unrelated words work well.",
            )
        if not password.strip():
            raise WeakPassword("The password cannot be only spaces.")
        analysed = password[: self.ANALYSED_LENGTH]
        inputs = [_normalise(text).casefold() for text in user_inputs if text.strip()]
        result: dict[str, Any] = zxcvbn(analysed, user_inputs=inputs)
        matches: list[dict[str, Any]] = result.get("sequence", [])
        personal = _personal_coverage(analysed.casefold(), inputs, matches)
        # zxcvbn scores "jsmith2024!!" as strong; half the password being the
        # person's name or the clinic's is exactly what a colleague would try.
        if personal and (personal * 2 >= len(analysed) or result["score"] < self.min_score):
            raise WeakPassword(
                "The password is too close to your name or the clinic's name.",
                "Choose words that have nothing to do with you or the clinic.",
            )
        if result["score"] >= self.min_score:
            return
        common = any(
            m.get("pattern") == "dictionary"
            and m.get("dictionary_name") in {"passwords", "english_wikipedia", "us_tv_and_film"}
            and len(m["token"]) * 2 >= len(analysed)
            for m in matches
        )
        if common or result.get("feedback", {}).get("warning", "").endswith("common password."):
            raise WeakPassword(
                "The password is too common; it is on lists attackers try first.",
                "A few unrelated words work well.",
            )
        warning = result.get("feedback", {}).get("warning") or ""
        raise WeakPassword(
            f"The password is too easy to guess. {warning}".strip(),
            "Make it longer, or use a few unrelated words.",
        )


def _personal_coverage(password: str, inputs: Sequence[str], matches: list[dict[str, Any]]) -> int:
    """How many characters of ``password`` are the person's or the clinic's words.

    zxcvbn reports a user input only when it ranks it above its own dictionaries
    ("John" may match as a common first name instead), so plain substring hits
    are counted too; zxcvbn's own user-input matches add l33t and reversed forms.
    """
    covered = [False] * len(password)
    for match in matches:
        if match.get("dictionary_name") == "user_inputs":
            # Indices are into the text zxcvbn saw; casefolding may lengthen it (ß -> ss).
            for index in range(match["i"], min(match["j"] + 1, len(covered))):
                covered[index] = True
    for word in {w for text in inputs for w in (text, *text.split()) if len(w) >= 3}:
        start = password.find(word)
        while start != -1:
            for index in range(start, start + len(word)):
                covered[index] = True
            start = password.find(word, start + 1)
    return sum(covered)


__all__ = ["Argon2PasswordHasher", "ZxcvbnPasswordPolicy"]
