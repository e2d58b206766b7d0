"""Charset decoding of body parts and header words.

The rule: a label is read as the superset mailers really mean (gb2312 -> gb18030,
shift_jis -> cp932, ...). Text that is valid in the declared charset, or mostly valid (at
most one in ten of its non-ASCII bytes broken), keeps that charset; the broken bytes
become U+FFFD. Only text that does not fit at all (or is UTF-8 / has C1 controls under a
single-byte label) is re-read with the fallbacks Polish mail needs: UTF-8, Windows-1250,
Latin-1. Unlabelled 7-bit text with ISO-2022-JP escapes is decoded as ISO-2022-JP,
including the NEC/IBM extensions (cp50221) Japanese Windows mailers send."""

from __future__ import annotations

import codecs
import re
import threading

_CHARSET_ALIASES = {
    "utf8": "utf-8", "win-1250": "cp1250", "windows1250": "cp1250", "x-cp1250": "cp1250",
    "cp-1250": "cp1250", "win1250": "cp1250", "latin2": "iso-8859-2",
    "unknown-8bit": "", "x-unknown": "", "unknown": "", "default": "", "x-user-defined": "",
}
# What a label means in practice: the superset that mailers actually encode with.
_SUPERSETS = {
    "gb2312": "gb18030", "gbk": "gb18030", "euc_kr": "cp949", "big5": "big5hkscs",
    "shift_jis": "cp932", "tis-620": "cp874",
}
_ISO2022_JP = ("iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_3",
               "iso2022_jp_2004", "iso2022_jp_ext")
# ESC sequences that switch to a Japanese set: unlabelled 7-bit text carrying them is JIS
_JIS_ESCAPE = re.compile(rb"\x1b(?:\$[@B]|\$\([DOPQ]|\(I)")
_MOSTLY_VALID = 10  # at most 1 broken byte per this many non-ASCII bytes keeps the label
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
    if not getattr(info, "_is_text_encoding", True):
        return None
    return _SUPERSETS.get(info.name, info.name)


def decode_text(data: bytes, charset: str | None) -> tuple[str, str]:
    """Decode text bytes. Returns (text, problem); problem is "" when the declared
    charset fitted, else an English note for the defects list."""
    label = (charset or "").strip().strip("\"'")[:40]
    codec = _codec(charset)
    if (codec is None or codec == "ascii" or codec in _ISO2022_JP) and data.isascii() \
            and _JIS_ESCAPE.search(data):
        text = _decode_iso2022_jp(data)
        if codec in _ISO2022_JP:
            return text, ""
        return text, f"ISO-2022-JP text labelled {label!r}" if label else \
            "ISO-2022-JP text without a charset"
    if codec is not None:
        try:
            text = data.decode(codec)
        except Exception:  # UnicodeDecodeError, or an odd codec failing its own way
            text, broken = _decode_replacing(data, codec)
            if text is not None:
                return text, (f"{broken} byte(s) invalid in the declared charset {label!r}; "
                              "replaced")
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


_counter = threading.local()


def _count_and_replace(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _counter.broken = getattr(_counter, "broken", 0) + (exc.end - exc.start)
    return "\ufffd", exc.end


codecs.register_error("pomocnik-count-replace", _count_and_replace)


def _decode_replacing(data: bytes, codec: str) -> tuple[str | None, int]:
    """(text with U+FFFD for broken bytes, number of broken bytes) when the text is mostly
    valid in `codec`, else (None, broken). ASCII labels never keep 8-bit text."""
    if codec == "ascii" or codec in _ISO2022_JP:
        return None, 0
    non_ascii = len(data) - len(data.translate(None, _HIGH_BYTES))
    _counter.broken = 0
    try:
        text = data.decode(codec, "pomocnik-count-replace")
    except Exception:
        return None, 0
    broken = _counter.broken
    if broken * _MOSTLY_VALID > non_ascii:
        return None, broken
    return text, broken


_HIGH_BYTES = bytes(range(128, 256))


def _jis_to_cp932(j1: int, j2: int) -> bytes:
    s1 = ((j1 - 0x21) >> 1) + 0x81
    if s1 > 0x9F:
        s1 += 0x40
    s2 = (j2 + 0x1F + (j2 >= 0x60)) if j1 & 1 else j2 + 0x7E
    return bytes((s1, s2))


_JIS_SEGMENT = re.compile(rb"\x1b(\$[@B]|\$\([DOPQ]|\([BJI]|\.[AF]|N.)")


def _decode_iso2022_jp(data: bytes) -> str:
    """ISO-2022-JP as the codecs Python has read it, else as cp50221 (JIS X 0208 with the
    NEC row 13 and IBM extensions, half-width katakana by ESC ( I) via Shift_JIS/cp932."""
    for name in ("iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_2004", "iso2022_jp_3"):
        try:
            return data.decode(name)
        except UnicodeDecodeError:
            continue
    out = bytearray()
    mode = b"(B"
    pos = 0
    for match in [*_JIS_SEGMENT.finditer(data), None]:
        chunk = data[pos:match.start() if match else len(data)]
        if mode in (b"$@", b"$B", b"$(Q", b"$(O"):
            for i in range(0, len(chunk) - 1, 2):
                j1, j2 = chunk[i], chunk[i + 1]
                if 0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E:
                    out += _jis_to_cp932(j1, j2)
                else:
                    out += chunk[i:i + 2]
        elif mode == b"(I":
            out += bytes(b | 0x80 if 0x21 <= b <= 0x5F else b for b in chunk)
        else:
            out += chunk
        if match is None:
            break
        mode, pos = match.group(1), match.end()
    return out.decode("cp932", "replace")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True

