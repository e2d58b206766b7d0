"""Dates as people type and read them in forms: the user's language format
(pl 31.12.2026, en 31/12/2026; with a time: 31.12.2026 14:30), ISO always accepted too.

Browsers draw `<input type=date>` in the browser's own locale (mm/dd/yyyy in an English
Chromium, whatever the page's language), so the app's date inputs are text inputs in the
user's format, parsed here with one clear error.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from helpdesk_app.domain.errors import Invalid

DAY_RE = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
WALL_TIME_RE = re.compile(
    r"^(\d{1,2})[./](\d{1,2})[./](\d{4})[ ,T]+(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_ISO_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_WALL_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
_FORMATS = {"pl": ("%d.%m.%Y", "%d.%m.%Y %H:%M"), "en": ("%d/%m/%Y", "%d/%m/%Y %H:%M")}


def parse_day(text: str | None) -> date | None:
    """'31.12.2026', '31/12/2026' or '2026-12-31' -> the date; blank -> None.
    Raises Invalid('date.invalid') naming the format the user should type."""
    text = (text or "").strip()
    if not text:
        return None
    m = DAY_RE.match(text)
    try:
        return date(int(m[3]), int(m[2]), int(m[1])) if m else date.fromisoformat(text)
    except ValueError:
        raise Invalid("date.invalid", value=text[:30]) from None


def format_day(value: date | None, lang: str) -> str:
    return value.strftime(_FORMATS.get(lang, _FORMATS["en"])[0]) if value else ""


def format_wall_time(value: datetime | None, lang: str) -> str:
    return value.strftime(_FORMATS.get(lang, _FORMATS["en"])[1]) if value else ""


def localise_input(text: str, lang: str) -> str:
    """A form value held in ISO (what storage and defaults give) shown in the user's
    format; anything else (what the user is typing) is left as it is."""
    if _ISO_DAY_RE.match(text):
        return format_day(date.fromisoformat(text), lang)
    if _ISO_WALL_TIME_RE.match(text):
        return format_wall_time(datetime.fromisoformat(text), lang)
    return text
