"""Per-recipient reply tokens in our Message-IDs: how a reply proves it continues a
thread we sent to that very address.

Every mail we send about a ticket gets a Message-ID `<nonce>.r<tag>@<domain>` (base32:
80 random bits, a 100-bit tag; no longer than our plain ids, so headers stay short and
no mail program folds them), where `tag` is an HMAC (server secret, config.secret_key)
over the nonce, the recipient address and the ticket. A mail client answering it puts
that id into In-Reply-To / References; the inbound side
(mail/inbound/filters/verify_staff.py) trusts a staff address's mail on a ticket only
when it references an id whose tag was issued to that address for that ticket. Nobody
can compute a tag without the secret, and an id is only worth something to the address
it was sent to.

Ids are bearer tokens once known, so an id sent to one recipient must never reach
another: `visible_to` keeps other recipients' ids out of the References of each mail
(outbox.thread_headers), which costs no threading - nobody can thread on a mail they
never received.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache

from helpdesk_app.config import secret_key

_PURPOSE = b"pomocnik mail reply token v1"
_TAG_CHARS = 20  # base32: 100 bits
_NONCE_BYTES = 10  # 80 bits, 16 base32 characters


@lru_cache(maxsize=4)
def _derived(secret: bytes) -> bytes:
    """A key for this purpose only: the install's secret may sign other things too."""
    return hmac.new(secret, _PURPOSE, hashlib.sha256).digest()


def _tag(nonce: str, address: str, ticket_id: int) -> str:
    msg = f"{nonce}\n{address.strip().lower()}\n{ticket_id}".encode()
    return _b32(hmac.new(_derived(secret_key()), msg, hashlib.sha256).digest())[:_TAG_CHARS]


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def message_id(domain: str, address: str, ticket_id: int) -> str:
    """A fresh Message-ID (without <>) on our domain carrying a token for `address` on
    ticket `ticket_id`."""
    nonce = _b32(secrets.token_bytes(_NONCE_BYTES))
    return f"{nonce}.r{_tag(nonce, address, ticket_id)}@{domain.strip().lower()}"


def _parts(message_id: str, domain: str) -> tuple[str, str] | None:
    """(nonce, tag) of one of our token-bearing ids, else None."""
    value = (message_id or "").strip().strip("<>").strip().lower()
    local, at, host = value.rpartition("@")
    if not at or host != domain.strip().lower():
        return None
    nonce, dot, tag = local.partition(".r")
    if not dot or len(tag) != _TAG_CHARS or not nonce or "." in nonce:
        return None
    return nonce, tag


def has_token(message_id: str, domain: str) -> bool:
    return _parts(message_id, domain) is not None


def issued_to(message_id: str, domain: str, address: str, ticket_id: int) -> bool:
    """Whether `message_id` is one of ours, sent to `address` about ticket `ticket_id`."""
    parts = _parts(message_id, domain)
    if parts is None:
        return False
    nonce, tag = parts
    return hmac.compare_digest(tag, _tag(nonce, address, ticket_id))


def visible_to(message_id: str, domain: str, address: str, ticket_id: int) -> bool:
    """May this id appear in mail to `address`? Any id without a token (the clients'
    own mail, our mail from before tokens); a token-bearing id only for its recipient."""
    return not has_token(message_id, domain) or issued_to(message_id, domain, address,
                                                          ticket_id)
