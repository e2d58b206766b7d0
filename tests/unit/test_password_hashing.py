"""Production password hashing (the rest of the suite swaps in cheap argon2 parameters)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type
from argon2.exceptions import VerifyMismatchError

from helpdesk_app.domain import auth
from helpdesk_app.domain.errors import Invalid


def test_production_hasher_is_argon2id_with_library_defaults(cheap_argon2) -> None:
    hasher, dummy = cheap_argon2  # what the application configured before the test swap
    default = PasswordHasher()
    assert hasher.type is Type.ID
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (
        default.time_cost, default.memory_cost, default.parallelism)
    assert dummy.startswith("$argon2id$")
    assert not hasher.check_needs_rehash(dummy)


def test_hash_password_verifies_and_rejects() -> None:
    hashed = auth.hash_password("long enough password")
    assert hashed.startswith("$argon2id$")
    assert auth._hasher.verify(hashed, "long enough password")
    with pytest.raises(VerifyMismatchError):
        auth._hasher.verify(hashed, "long enough passwore")
    assert auth.hash_password("long enough password") != hashed  # salted


@pytest.mark.parametrize("pw", ["", "1234567"])
def test_hash_password_minimum_length(pw: str) -> None:
    with pytest.raises(Invalid) as exc:
        auth.hash_password(pw)
    assert exc.value.key == "auth.password_too_short"
