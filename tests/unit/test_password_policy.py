"""The password policy every new password passes (domain/passwords.py via auth.hash_password)."""

from __future__ import annotations

import pytest

from helpdesk_app.config import get_settings
from helpdesk_app.domain import auth, passwords
from helpdesk_app.domain.errors import Invalid


def _refused(password: str, **who: str) -> str:
    with pytest.raises(Invalid) as exc:
        passwords.check(password, **who)
    return exc.value.key


def test_a_long_uncommon_password_is_accepted() -> None:
    passwords.check("wiosna-nad-Wisłą-2026", email="jan@example.test", name="Jan Kowalski")
    assert auth.hash_password("wiosna-nad-Wisłą-2026").startswith("$argon2id$")


def test_shorter_than_the_minimum_is_refused_with_the_minimum_named() -> None:
    with pytest.raises(Invalid) as exc:
        passwords.check("Kq7#zrt")
    assert exc.value.key == "auth.password_too_short" and exc.value.params == {"min": 8}


def test_the_minimum_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POMOCNIK_PASSWORD_MIN_LENGTH", "12")
    get_settings.cache_clear()
    with pytest.raises(Invalid) as exc:
        auth.hash_password("Kq7#zrtPw0x")  # 11 characters
    assert exc.value.params == {"min": 12}
    passwords.check("Kq7#zrtPw0xy")
    assert passwords.min_length() == 12


def test_very_long_passwords_are_refused_before_hashing() -> None:
    assert _refused("x" * 257) == "auth.password_too_long"
    passwords.check("Kq7#" * 64)  # 256 characters: the maximum itself is fine


@pytest.mark.parametrize("pw", ["password1", "qwerty123", "Password123", "iloveyou1",
                                "1qaz2wsx", "zaq12wsx", "haslo123", "Warszawa1", "polska123"])
def test_common_passwords_are_refused_whatever_their_case(pw: str) -> None:
    assert _refused(pw) == "auth.password_common"


def test_the_common_list_ships_with_the_app_and_is_large() -> None:
    # zxcvbn's bundled frequency list (no network) plus the Polish additions
    assert len(passwords._common()) >= 30_000


@pytest.mark.parametrize("pw", ["jan.kowalski@example.test", "JAN.KOWALSKI", "jan kowalski",
                                "JanKowalski", "  Jan  Kowalski "])
def test_own_email_or_name_is_refused(pw: str) -> None:
    assert _refused(pw, email="jan.kowalski@example.test",
                    name="Jan Kowalski") == "auth.password_personal"


def test_hash_password_applies_the_policy_with_the_account_details() -> None:
    with pytest.raises(Invalid) as exc:
        auth.hash_password("anna.nowak@firma.pl", email="Anna.Nowak@firma.pl", name="Anna")
    assert exc.value.key == "auth.password_personal"
    with pytest.raises(Invalid) as exc:
        auth.hash_password("Trustno1")
    assert exc.value.key == "auth.password_common"
