"""Reply splitting: the new text of a reply apart from the quoted history (Gmail,
Thunderbird, Apple Mail and Outlook attributions, in English and Polish)."""

from __future__ import annotations

import re

_ATTRIBUTIONS = (
    re.compile(r"^On\b.{4,400}\bwrote:$"),  # Gmail, Thunderbird, Apple Mail (en)
    re.compile(r"^W dniu\b.{4,400}\b(?:pisze|napisał|napisała|napisał\(a\)):$"),  # pl
    re.compile(r"^.{4,400}\bnapisał\(a\):$"),  # Gmail (pl) without "W dniu"
)
_ORIGINAL_MESSAGE = re.compile(
    r"^-{2,}\s*(?:original message|wiadomość oryginalna|oryginalna wiadomość)\s*-{2,}$", re.I)
_HEADER_FROM = re.compile(r"^\*?(?:from|od)\s*:\*?\s*\S", re.I)
_HEADER_SENT = re.compile(r"^\*?(?:sent|wysłane|wysłano)\s*:\*?\s*\S", re.I)
_HEADER_DATE = re.compile(r"^\*?(?:date|data)\s*:\*?\s*\S", re.I)
_OUTLOOK_RULE = re.compile(r"^_{10,}$")
_RULE = re.compile(r"^(?:_{5,}|-{5,}|—{3,})$")
_FORWARDED = re.compile(r"forwarded message|begin forwarded message|wiadomość przekazana|"
                        r"przekazana wiadomość|forwarded by", re.I)


def _is_attribution(lines: list[str]) -> bool:
    """Do these lines start with an attribution? Gmail wraps long ones over two or three
    lines; a real one carries a date or an address, which keeps prose out."""
    window = ""
    for line in lines:
        if not line:
            return False
        window = f"{window} {line}".strip()
        if any(p.match(window) for p in _ATTRIBUTIONS) and re.search(r"[\d@]", window):
            return True
    return False


def _reply_cut(lines: list[str]) -> int | None:
    """Index of the first line of the quoted history, or None."""
    stripped = [line.strip() for line in lines]
    for i, line in enumerate(stripped):
        if not line:
            continue
        if _ORIGINAL_MESSAGE.match(line):
            return i
        if _is_attribution(stripped[i:i + 3]):
            return i
        if _HEADER_FROM.match(line):
            previous = next((s for s in reversed(stripped[:i]) if s), "")
            if _FORWARDED.search(previous):
                continue  # a forwarded message's header block is content, not history
            following = stripped[i + 1:i + 5]
            if any(_HEADER_SENT.match(s) for s in following) or (
                    _OUTLOOK_RULE.match(previous) and any(_HEADER_DATE.match(s)
                                                          for s in following)):
                return i
    # a trailing block of "> " quoted lines (blank lines allowed in between)
    start = None
    for i in range(len(stripped) - 1, -1, -1):
        if stripped[i].startswith(">"):
            start = i
        elif stripped[i]:
            break
    return start


def split_reply(text: str) -> tuple[str, str]:
    """(new text, quoted history). Cuts at Gmail/Thunderbird attributions ("On ... wrote:",
    "W dniu ... pisze:", "... napisał(a):"), Outlook's "-----Original Message-----" /
    "-----Wiadomość oryginalna-----" and "From: ... Sent: ..." / "Od: ... Wysłane: ..."
    header block, or a trailing block of "> " quotes. When nothing is found, (text, "")."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _reply_cut(lines)
    if cut is None:
        return text, ""
    # the separator rule Outlook puts above its header block belongs to the history
    while cut > 0 and (not lines[cut - 1].strip() or _RULE.match(lines[cut - 1].strip())):
        cut -= 1
    return "\n".join(lines[:cut]).rstrip(), "\n".join(lines[cut:]).strip("\n")
