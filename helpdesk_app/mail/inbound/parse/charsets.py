"""Charset decoding of body parts and header words: the declared charset when it fits,
else the fallbacks Polish mail needs (UTF-8, Windows-1250, Latin-1)."""

from __future__ import annotations

import codecs
import re

_CHARSET_ALIASES = {
    "utf8": "utf-8", "win-1250": "cp1250", "windows1250": "cp1250", "x-cp1250": "cp1250",
    "cp-1250": "cp1250", "win1250": "cp1250", "latin2": "iso-8859-2",
    "unknown-8bit": "", "x-unknown": "", "unknown": "", "default": "", "x-user-defined": "",
}
# Tried in this order when the declared charset does not fit: UTF-8, then Windows-1250
# (what Polish Windows mailers send undeclared), then Latin-1, which never fails.
_FALLBACKS = (("utf-8", "utf-8"), ("cp1250", "windows-1250"), ("latin-1", "iso-8859-1"))
_C1_CONTROLS = re.compile("[\x80-\x9f]")


def _codec(charset: str | None) -> str | None:
    """The Python codec for a MIME charset label; None when unknown or not a text codec."""
    label = (charset or "").strip().strip("\"'").lower()
    label = _CHARSET_ALIASES.get(label, label)
    if not label:
        return None
    try:
        info = codecs.lookup(label)
    except Exception:  # LookupError, or a label no codec name can be (NUL, too long)
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode_text(data: bytes, charset: str | None) -> tuple[str, str]:
    """Decode text bytes. Returns (text, problem); problem is "" when the declared
    charset fitted, else an English note for the defects list."""
    label = (charset or "").strip().strip("\"'")[:40]
    codec = _codec(charset)
    if codec is not None:
        try:
            text = data.decode(codec)
        except Exception:  # UnicodeDecodeError, or an odd codec failing its own way
            problem = f"bytes do not fit the declared charset {label!r}"
        else:
            if codec.startswith("utf"):
                return text, ""
            if not data.isascii() and _is_utf8(data):
                problem = f"declared charset {label!r} but the text is UTF-8"
            elif _C1_CONTROLS.search(text):  # no real text has C1 controls: wrong label
                problem = f"declared charset {label!r} does not fit the text"
            else:
                return text, ""
    elif data.isascii():
        return data.decode("ascii"), ""
    else:
        problem = f"unknown charset {label!r}" if label else "8-bit text without a charset"
    for name, shown in _FALLBACKS:
        try:
            return data.decode(name), f"{problem}; decoded as {shown}"
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True

