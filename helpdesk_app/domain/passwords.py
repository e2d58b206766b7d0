"""The password policy: what every new password must satisfy, wherever it is set
(first-run setup, invitation, reset, profile, CLI, demo). `auth.hash_password` applies it,
so no caller can store a password that skipped it.

Rules, each with its own translation key so the form says which one failed:
- at least `POMOCNIK_PASSWORD_MIN_LENGTH` characters (8 by default);
- at most 256 (argon2 hashes whatever it is given: an unbounded input is free CPU work
  for an attacker);
- not one of the common passwords: the 30,000 most common leaked passwords bundled with
  the `zxcvbn` package (MIT licence, `zxcvbn.frequency_lists`, shipped with the app, no
  network) plus a few Polish favourites listed below;
- not the account's own e-mail address, its local part or the person's name.
"""

from __future__ import annotations

from functools import lru_cache

from helpdesk_app.config import get_settings
from helpdesk_app.domain.errors import Invalid

# Polish passwords that top the Polish leak lists and the English list lacks (compared in
# lower case, like the bundled list).
_POLISH_COMMON = (
    "haslo123", "haslo1234", "haslo12345", "qwerty123", "polska123", "kochamcie",
    "kochamcie1", "zaq1@wsx", "zaq12wsx", "1qaz2wsx", "misiaczek", "slonecznik",
    "agnieszka", "katarzyna", "zabka123", "lodz1234", "warszawa", "warszawa1",
    "krakow123", "qwertyuiop", "mojehaslo", "niewiem123", "dupa1234", "polska12",
    "marcinek", "monika123", "maciek123", "legia1916", "lech1922", "wisla1906",
)


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(_POLISH_COMMON)


def is_common(password: str) -> bool:
    return password.strip().lower() in _common()


def _personal(email: str, name: str) -> set[str]:
    email = (email or "").strip().lower()
    name = " ".join((name or "").lower().split())
    out = {email, email.split("@", 1)[0], name, name.replace(" ", "")}
    return {v for v in out if v}


def check(password: str, *, email: str = "", name: str = "") -> None:
    """Raise `Invalid` (key naming the rule) when `password` may not be used."""
    policy = get_settings().accounts
    if len(password) < policy.password_min_length:
        raise Invalid("auth.password_too_short", min=policy.password_min_length)
    if len(password) > policy.password_max_length:
        raise Invalid("auth.password_too_long", max=policy.password_max_length)
    folded = " ".join(password.lower().split())
    if folded in _personal(email, name) or folded.replace(" ", "") in _personal(email, name):
        raise Invalid("auth.password_personal")
    if is_common(password):
        raise Invalid("auth.password_common")


def min_length() -> int:
    return get_settings().accounts.password_min_length
