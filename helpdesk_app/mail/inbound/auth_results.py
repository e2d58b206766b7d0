"""Whether a relay we trust vouches for a message's From domain (RFC 8601
Authentication-Results, parsed with `authres`).

Which header counts: only the topmost Authentication-Results whose authserv-id is one we
trust (POMOCNIK_MAIL_TRUSTED_AUTHSERV_IDS). Every MTA prepends its headers, so the
relay's own verdict sits above anything the sender wrote; a forger may add a header
with our relay's id, but only below the genuine one. Headers above it (added after the
relay, by our own hops) with other ids are ignored. This holds only when mail reaches us
through that relay: a listener open to the internet would take a forged header at the
top. Deploy the listener behind the relay (or bound to localhost / firewalled), or use a
relay that removes incoming headers with its own id (RFC 8601 section 5 asks it to).

What counts as a pass (decided for staff addresses, where a mistake writes as a
colleague):
- `dkim=pass` whose `header.d` is exactly the From domain (strict alignment: without a
  public-suffix list "example.com.pl" must not vouch for "firma.com.pl"), or
- `dmarc=pass` whose `header.from` is the From domain (DMARC did the alignment).
`spf=pass` alone never counts: SPF vouches for the envelope sender, not for From.
A topmost trusted header that cannot be parsed vouches for nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32

import authres

_COMMENT = re.compile(r"\([^()]*\)")
_HEAD_MAX = 256 * 1024


@dataclass(frozen=True)
class Verdict:
    vouched: bool
    why: str  # for the admin's detail: what passed, or why nothing did


def headers_of(raw: bytes) -> list[str]:
    """Every Authentication-Results value of a raw message, topmost first."""
    head = raw[:_HEAD_MAX].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    try:
        parsed = BytesHeaderParser(policy=compat32).parsebytes(head)
    except Exception:  # a header block too broken to read vouches for nothing
        return []
    return [str(v) for v in parsed.get_all("Authentication-Results") or []]


def authserv_id(value: str) -> str:
    """The authserv-id of a header value, read leniently (also from a malformed one):
    the first word before ";", comments removed."""
    first = _COMMENT.sub(" ", value.split(";", 1)[0]).split()
    return first[0].lower() if first else ""


def _props(result) -> dict[str, str]:
    return {f"{p.type}.{p.name}".lower(): str(p.value or "").strip().lower()
            for p in result.properties}


def verdict(values: Sequence[str], from_domain: str, trusted: Sequence[str]) -> Verdict:
    """Does the topmost header of a trusted authserv-id vouch for `from_domain`?"""
    trusted_ids = {t.lower() for t in trusted if t}
    domain = (from_domain or "").strip().lower()
    if not trusted_ids:
        return Verdict(False, "no trusted relay configured")
    if not domain:
        return Verdict(False, "no From domain")
    value = next((v for v in values if authserv_id(v) in trusted_ids), None)
    if value is None:
        return Verdict(False, "no Authentication-Results of a trusted relay")
    relay = authserv_id(value)
    try:
        header = authres.AuthenticationResultsHeader.parse_value(
            " ".join(value.split()))
    except Exception:  # authres.AuthResError and anything odd in its parser
        return Verdict(False, f"{relay}: unreadable Authentication-Results")
    for result in header.results:
        method, outcome = (result.method or "").lower(), (result.result or "").lower()
        props = _props(result)
        if outcome != "pass":
            continue
        if method == "dkim" and props.get("header.d") == domain:
            return Verdict(True, f"{relay}: dkim=pass header.d={domain}")
        if method == "dmarc" and props.get("header.from") == domain:
            return Verdict(True, f"{relay}: dmarc=pass header.from={domain}")
    return Verdict(False, f"{relay}: no dkim/dmarc pass aligned with {domain}")
