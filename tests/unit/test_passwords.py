"""Argon2id hashing and the zxcvbn password policy (the real adapters, cheap parameters)."""

from __future__ import annotations

import pytest

from dermai_desktop.domain.errors import WeakPassword
from dermai_desktop.security.passwords import Argon2PasswordHasher, ZxcvbnPasswordPolicy

INPUTS = ["jsmith", "John Smith", "John", "Smith", "Harbour Skin Clinic", "Harbour"]


@pytest.fixture(scope="module")
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher.cheap()


def test_hash_is_argon2id_salted_and_verifies(hasher: Argon2PasswordHasher) -> None:
    first = hasher.hash("correct horse battery staple")
    second = hasher.hash("correct horse battery staple")
    assert first.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert first != second
    assert hasher.verify(first, "correct horse battery staple")
    assert not hasher.verify(first, "correct horse battery stapl")


def test_unicode_forms_verify_the_same(hasher: Argon2PasswordHasher) -> None:
    stored = hasher.hash("caf\u00e9-lantern-quartz")
    assert hasher.verify(stored, "cafe\u0301-lantern-quartz")


def test_damaged_hash_never_verifies(hasher: Argon2PasswordHasher) -> None:
    assert not hasher.verify("not-a-hash", "anything")
    assert not hasher.verify("$argon2id$v=19$m=8,t=1,p=1$garbage", "anything")
    assert hasher.needs_rehash("not-a-hash")


def test_needs_rehash_when_parameters_change(hasher: Argon2PasswordHasher) -> None:
    stored = hasher.hash("pw-lantern-quartz")
    assert not hasher.needs_rehash(stored)
    stronger = Argon2PasswordHasher(2, 16, 1)
    assert stronger.needs_rehash(stored)
    assert stronger.verify(stored, "pw-lantern-quartz")  # old hashes still verify


def test_production_parameters() -> None:
    prod = Argon2PasswordHasher.production()
    assert (prod.time_cost, prod.memory_cost_kib, prod.parallelism) == (3, 65536, 2)
    assert Argon2PasswordHasher.cheap().memory_cost_kib < prod.memory_cost_kib


@pytest.fixture(scope="module")
def policy() -> ZxcvbnPasswordPolicy:
    return ZxcvbnPasswordPolicy()


@pytest.mark.parametrize(
    "password",
    ["violet-granite-compass", "Tr0mbone!Glacier#Paddle", "correct horse battery staple"],
)
def test_strong_passwords_pass(policy: ZxcvbnPasswordPolicy, password: str) -> None:
    policy.check(password, INPUTS)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-1", "too short"),
        ("            ", "only spaces"),
        ("password1234", "too common"),
        ("qwertyuiopasdf", "too common"),
        ("zxcvbnmzxcvbnm", "too easy"),
        ("aaaaaaaaaaaaaa", "too easy"),
        ("jsmith2024!!", "close to your name"),
        ("JohnSmith1234", "close to your name"),
        ("harbourclinic1", "close to your name"),
    ],
)
def test_weak_passwords_rejected_with_plain_reason(
    policy: ZxcvbnPasswordPolicy, password: str, reason: str
) -> None:
    with pytest.raises(WeakPassword) as info:
        policy.check(password, INPUTS)
    assert reason in info.value.message
    if password.strip():
        assert password.strip() not in info.value.user_text()


def test_very_long_password_is_judged_without_crashing(policy: ZxcvbnPasswordPolicy) -> None:
    policy.check("violet-granite-compass-" * 10, INPUTS)
    with pytest.raises(WeakPassword):
        policy.check("a" * 200, INPUTS)


def test_min_length_is_configurable() -> None:
    with pytest.raises(WeakPassword, match="at least 20"):
        ZxcvbnPasswordPolicy(min_length=20).check("violet-granite-compass"[:19], [])
