"""Work time as people type it (issue 14): a duration ("1:30", "90", "1,5 h", "1h 30m",
"45 min") and a start–end on a day in the person's own zone. Plain Python, no DB.

- A start–end whose end is not after the start runs past midnight into the next day
  (22:00–02:00 is four hours), as a technician writes a night call-out.
- Local times become UTC through the zone's rules, so a span across a DST change holds its
  real length (00:00–04:00 on 29 March 2026 in Warsaw is 3 hours). A local time the spring
  change skips does not exist and is refused; an ambiguous one (the repeated autumn hour)
  is its first occurrence.
- Limits: a duration from 1 minute to 24 hours; a span at most 24 hours.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from helpdesk_app.domain.errors import Invalid

MAX_SECONDS = 24 * 3600
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_UNITS = re.compile(r"^(?:(\d+(?:[.,]\d+)?)\s*(?:h(?:ours?|rs?)?|godz\w*|g))?\s*"
                    r"(?:(\d+)\s*m(?:in\w*)?)?$", re.IGNORECASE)


def parse_duration(text: str) -> int:
    """'1:30', '90' (minutes), '1,5h', '1.5 h', '1h 30m', '45 min' -> seconds.
    Raises Invalid('worktime.duration_invalid') or ('worktime.duration_range')."""
    raw = (text or "").strip().lower().replace(" ", "")
    if not raw:
        raise Invalid("worktime.duration_required")
    seconds: float | None = None
    if m := _CLOCK.match(raw):
        if int(m[2]) < 60:
            seconds = int(m[1]) * 3600 + int(m[2]) * 60
    elif raw.isdigit():
        seconds = int(raw) * 60
    elif (m := _UNITS.match(raw)) and (m[1] or m[2]):
        seconds = float((m[1] or "0").replace(",", ".")) * 3600 + int(m[2] or 0) * 60
    if seconds is None:
        raise Invalid("worktime.duration_invalid", value=text.strip()[:20])
    seconds = round(seconds)
    if not 60 <= seconds <= MAX_SECONDS:
        raise Invalid("worktime.duration_range")
    return seconds


def parse_clock(text: str) -> time:
    """'8:05', '08:05', '8.05' -> time. Raises Invalid('worktime.time_invalid')."""
    m = _CLOCK.match((text or "").strip().replace(".", ":"))
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise Invalid("worktime.time_invalid", value=(text or "").strip()[:10])
    return time(int(m[1]), int(m[2]))


def local_instant(day: date, at: time, tz: str) -> datetime:
    """The UTC instant of a wall-clock time on a local date; a skipped time is refused."""
    zone = ZoneInfo(tz)
    naive = datetime.combine(day, at)
    local = naive.replace(tzinfo=zone, fold=0)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise Invalid("worktime.time_nonexistent", value=at.strftime("%H:%M"))
    return local.astimezone(UTC)


def span(day: date, start: str, end: str, tz: str) -> tuple[datetime, datetime]:
    """(start, end) in UTC of a start–end typed on `day` in zone `tz` (see module rules)."""
    return span_of(day, parse_clock(start), parse_clock(end), tz)


def span_of(day: date, begin_at: time, end_at: time, tz: str) -> tuple[datetime, datetime]:
    """`span` with the clock times already parsed."""
    begin = local_instant(day, begin_at, tz)
    finish = local_instant(day + timedelta(days=1) if end_at <= begin_at else day, end_at, tz)
    if not 0 < (finish - begin).total_seconds() <= MAX_SECONDS:
        raise Invalid("worktime.duration_range")
    return begin, finish


def local_date(instant: datetime, tz: str) -> date:
    """The local date of a UTC instant in zone `tz` (an entry's work date)."""
    return instant.astimezone(ZoneInfo(tz)).date()
