"""One translation layer: catalogs per language plus Babel-based date/number formatting."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as _babel_datetime
from babel.numbers import format_decimal as _babel_decimal

from helpdesk_app.i18n.en import CATALOG as EN
from helpdesk_app.i18n.pl import CATALOG as PL

CATALOGS: dict[str, dict[str, str]] = {"pl": PL, "en": EN}
LANGUAGES: tuple[str, ...] = tuple(CATALOGS)
_LOCALES = {"pl": "pl_PL", "en": "en_GB"}


def t(key: str, lang: str, **params: object) -> str:
    """Translate `key`; a missing key falls back to English, then to the key itself."""
    catalog = CATALOGS.get(lang, EN)
    text = catalog.get(key) or EN.get(key) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def format_datetime(value: datetime | None, lang: str, tz: str) -> str:
    """A UTC instant shown in the user's zone and language, e.g. '21.11.2026, 10:05'."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(tz))
    return _babel_datetime(local, format="short", locale=_LOCALES.get(lang, "en_GB"))


def format_number(value: float | int, lang: str) -> str:
    return _babel_decimal(value, locale=_LOCALES.get(lang, "en_GB"))


def format_size(num_bytes: int, lang: str) -> str:
    units = ("B", "KB", "MB", "GB")
    size = float(num_bytes)
    unit = 0
    while size >= 1024 and unit < len(units) - 1:
        size /= 1024
        unit += 1
    shown = format_number(round(size, 1) if unit else int(size), lang)
    return f"{shown} {units[unit]}"
