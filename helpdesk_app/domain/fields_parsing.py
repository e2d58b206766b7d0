"""Custom field values: form text (or an already typed value) -> the typed value, and the
canonical "tokens" dependency rules compare. Pure functions, no database.

`parse_value` is the one parser: the form, the evaluator, admin defaults and list filters
all call it, so a value means the same everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from helpdesk_app.domain import dates
from helpdesk_app.domain.errors import Invalid
from helpdesk_app.domain.fields_base import (
    DECIMAL_INT_DIGITS,
    DECIMAL_PLACES,
    EMAIL_MAX,
    LONG_TEXT_MAX,
    LONG_TEXT_MAX_BYTES,
    NUMBER_MAX,
    OPTION_TYPES,
    SHORT_TEXT_MAX,
    URL_MAX,
)
from helpdesk_app.models import FieldType

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_INT_RE = re.compile(r"^[+-]?\d+$")
_DEC_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
# 31.12.2026 (pl) or 31/12/2026 (en), optionally with a time; ISO otherwise
_DOTTED_DATE_RE = dates.DAY_RE
_DOTTED_DT_RE = dates.WALL_TIME_RE
_SPACES = dict.fromkeys(map(ord, " \u00a0\u202f\u2009'_"), None)  # thousands separators
_TRUE = {"true", "1", "on", "yes", "tak", "t", "y"}
_FALSE = {"false", "0", "off", "no", "nie", "f", "n"}


# --------------------------------------------------------------------------- parsing


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, (list, tuple, set, frozenset)):
        return not any(not _is_blank(v) for v in raw)
    return False


def parse_value(field_type: str, raw: Any, *, tz: str = "UTC") -> Any:
    """Form text (or an already typed value) -> the typed value, None when empty.
    Raises Invalid with a field.* key. Naive date-times are read in `tz`, stored UTC."""
    if field_type not in FieldType.ALL:
        raise Invalid("field.type_invalid")
    if _is_blank(raw):
        return None
    parser = _PARSERS[field_type]
    return parser(raw, tz)


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise Invalid("field.text_invalid")
    return raw


def _short_text(raw: Any, _tz: str) -> str:
    value = " ".join(_text(raw).split())
    if len(value) > SHORT_TEXT_MAX:
        raise Invalid("field.text_too_long", max=SHORT_TEXT_MAX)
    return value


def _long_text(raw: Any, _tz: str) -> str:
    value = _text(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(value) > LONG_TEXT_MAX or len(value.encode("utf-8")) > LONG_TEXT_MAX_BYTES:
        raise Invalid("field.text_too_long", max=LONG_TEXT_MAX)
    return value


def _number(raw: Any, _tz: str) -> int:
    if isinstance(raw, bool):
        raise Invalid("field.number_invalid")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, (Decimal, float)):
        if raw != raw or raw in (float("inf"), float("-inf")) or int(raw) != raw:
            raise Invalid("field.number_invalid")
        value = int(raw)
    else:
        text = _text(raw).strip().translate(_SPACES)
        if not _INT_RE.match(text):
            raise Invalid("field.number_invalid")
        value = int(text)
    if abs(value) > NUMBER_MAX:
        raise Invalid("field.number_too_large", max=NUMBER_MAX)
    return value


def _decimal(raw: Any, _tz: str) -> Decimal:
    if isinstance(raw, bool):
        raise Invalid("field.decimal_invalid")
    if isinstance(raw, (int, Decimal)):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    else:
        text = _text(raw).strip().translate(_SPACES)
        if "," in text and "." in text:  # 1.234,5 vs 1,234.5: refuse to guess
            raise Invalid("field.decimal_invalid")
        text = text.replace(",", ".")
        if not _DEC_RE.match(text):
            raise Invalid("field.decimal_invalid")
        value = Decimal(text)
    if not value.is_finite():
        raise Invalid("field.decimal_invalid")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > DECIMAL_PLACES:
        raise Invalid("field.decimal_places", places=DECIMAL_PLACES)
    if abs(value) >= Decimal(10) ** DECIMAL_INT_DIGITS:
        raise Invalid("field.number_too_large", max=f"{10 ** DECIMAL_INT_DIGITS - 1}.999999")
    return _canonical_decimal(value)


def _canonical_decimal(value: Decimal) -> Decimal:
    value = value.normalize()
    # normalize() may give 1E+2; re-quantize so str() never uses exponent notation
    if value.as_tuple().exponent > 0:  # type: ignore[operator]
        value = value.quantize(Decimal(1))
    return value + Decimal(0)  # -0 -> 0


def _date(raw: Any, _tz: str) -> date:
    if isinstance(raw, datetime):
        raise Invalid("field.date_invalid")
    if isinstance(raw, date):
        value = raw
    else:
        text = _text(raw).strip()
        m = _DOTTED_DATE_RE.match(text)
        try:
            value = (date(int(m[3]), int(m[2]), int(m[1])) if m
                     else date.fromisoformat(text))
        except ValueError as exc:
            raise Invalid("field.date_invalid") from exc
    if not 1900 <= value.year <= 2200:
        raise Invalid("field.date_invalid")
    return value


def _datetime(raw: Any, tz: str) -> datetime:
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, date):
        raise Invalid("field.datetime_invalid")
    else:
        text = _text(raw).strip()
        m = _DOTTED_DT_RE.match(text)
        try:
            if m:
                value = datetime(int(m[3]), int(m[2]), int(m[1]), int(m[4]), int(m[5]),
                                 int(m[6] or 0))
            else:
                if len(text) < 16:  # a date alone is not a date-time
                    raise ValueError(text)
                value = datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError as exc:
            raise Invalid("field.datetime_invalid") from exc
    if value.tzinfo is None:
        zone = _zone(tz)
        local = value.replace(tzinfo=zone)
        # A wall time skipped by a DST change (02:30 on the spring-forward night) does
        # not exist: refuse rather than silently shift it by an hour.
        if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != value:
            raise Invalid("field.datetime_nonexistent")
        value = local
    value = value.astimezone(UTC).replace(microsecond=0)
    if not 1900 <= value.year <= 2200:
        raise Invalid("field.datetime_invalid")
    return value


def _dropdown(raw: Any, _tz: str) -> str:
    if isinstance(raw, (list, tuple, set, frozenset)):
        raise Invalid("field.option_invalid", value="")
    return str(raw).strip()


def _multi(raw: Any, _tz: str) -> tuple[str, ...] | None:
    if isinstance(raw, str):
        items: Iterable[Any] = raw.split(",")
    elif isinstance(raw, (list, tuple, set, frozenset)):
        items = sorted(raw) if isinstance(raw, (set, frozenset)) else raw
    else:
        raise Invalid("field.option_invalid", value=str(raw)[:80])
    values = tuple(dict.fromkeys(s for s in (str(v).strip() for v in items) if s))
    return values or None


def _checkbox(raw: Any, _tz: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise Invalid("field.checkbox_invalid")


def _user(raw: Any, _tz: str) -> int:
    if isinstance(raw, bool):
        raise Invalid("field.user_invalid")
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip()
        if not text.isdigit():
            raise Invalid("field.user_invalid")
        value = int(text)
    if value <= 0:
        raise Invalid("field.user_invalid")
    return value


def _email(raw: Any, _tz: str) -> str:
    value = _text(raw).strip()
    if len(value) > EMAIL_MAX or not _EMAIL_RE.match(value):
        raise Invalid("field.email_invalid")
    return value


def _url(raw: Any, _tz: str) -> str:
    value = _text(raw).strip()
    if len(value) > URL_MAX or any(c.isspace() for c in value):
        raise Invalid("field.url_invalid")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:
        raise Invalid("field.url_invalid") from exc
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise Invalid("field.url_invalid")
    return value


_PARSERS = {
    FieldType.SHORT_TEXT: _short_text,
    FieldType.LONG_TEXT: _long_text,
    FieldType.NUMBER: _number,
    FieldType.DECIMAL: _decimal,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
    FieldType.DROPDOWN: _dropdown,
    FieldType.MULTI_SELECT: _multi,
    FieldType.CHECKBOX: _checkbox,
    FieldType.USER: _user,
    FieldType.EMAIL: _email,
    FieldType.URL: _url,
}


def to_json(value: Any) -> Any:
    """A typed value in JSON form (for defaults and API)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def tokens(field_type: str, value: Any) -> set[str]:
    """What `when_values` / `options_map` keys are compared with: the canonical text of a
    value, each chosen option of a multi-select, "true"/"false" for a checkbox (unset =
    "false"), "" for an empty value."""
    if field_type == FieldType.CHECKBOX:
        return {"true" if value else "false"}
    if value is None:
        return {""}
    if isinstance(value, tuple):
        return set(value)
    if isinstance(value, bool):
        return {"true" if value else "false"}
    if isinstance(value, (Decimal, date, datetime, int)):
        return {str(to_json(value))}
    return {str(value)}


def canonical_token(field_type: str, raw: Any) -> str:
    """A `when_values` entry in the form `tokens` produces (admins may type "1,5" or "tak")."""
    if _is_blank(raw):
        return ""
    if field_type in OPTION_TYPES:
        return str(raw).strip()
    value = parse_value(field_type, raw)
    (token,) = tokens(field_type, value)
    return token
