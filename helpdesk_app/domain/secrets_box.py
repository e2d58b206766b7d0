"""Credentials the app must use but must not keep readable (a directory's bind password):
encrypted with Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`) under a key that lives in
the environment (POMOCNIK_SECRETS_KEY), not in the database or the data folder. A stolen
database or backup alone therefore does not reveal them.

The setting may list several keys, comma-separated: the first encrypts, all decrypt, so a
key can be rotated (add the new one first, re-save the directories, drop the old one).
A key is either a Fernet key (`python -c "from cryptography.fernet import Fernet;
print(Fernet.generate_key().decode())"`) or any passphrase of 32+ characters (its
SHA-256 becomes the key).
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from helpdesk_app.config import get_settings
from helpdesk_app.domain.errors import Invalid

_MIN_PASSPHRASE = 32


def _fernet(key: str) -> Fernet:
    try:
        if len(base64.urlsafe_b64decode(key.encode())) == 32:
            return Fernet(key.encode())
    except (binascii.Error, ValueError):
        pass
    if len(key) < _MIN_PASSPHRASE:
        raise Invalid("secrets.key_too_short", min=_MIN_PASSPHRASE)
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def _box() -> MultiFernet:
    keys = get_settings().secrets_keys
    if not keys:
        raise Invalid("secrets.no_key")
    return MultiFernet([_fernet(k) for k in keys])


def available() -> bool:
    return bool(get_settings().secrets_keys)


def seal(plain: str) -> str:
    return _box().encrypt(plain.encode("utf-8")).decode("ascii")


def open_sealed(token: str) -> str:
    """The plain text of `seal`'s output; Invalid when no configured key opens it."""
    if not token:
        return ""
    try:
        return _box().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise Invalid("secrets.wrong_key") from None
