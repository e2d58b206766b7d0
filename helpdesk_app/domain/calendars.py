"""Business-time arithmetic: working windows, holidays, cut-off, DST — plain Python, no DB.

`domain/sla.py` maps a calendar row to a `CalendarSpec`, builds a `BusinessCalendar`
(`get_calendar(spec)` caches one per spec) and asks it for deadlines:

    cal = get_calendar(CalendarSpec(windows=weekdays(time(8), time(16)), cutoff=time(15)))
    start = cal.clock_start(received_at)           # cut-off applied
    due = cal.add(start, timedelta(hours=4))        # 4 business hours later
    used = cal.between(start, now)                  # business time consumed so far

All instants going in and out are timezone-aware; results are always UTC
(`datetime.UTC`). Naive datetimes raise `ValueError`. Precision is one microsecond; there
are no minute loops.

Rules (the ones an admin or a reviewer will ask about)
------------------------------------------------------
* **Windows** are local wall-clock times in the calendar's zone. `end > start`: same day.
  `end == time(0)` always means **24:00**, the midnight at the end of the start's day, so
  `Window(d, time(0), time(0))` is the **whole day** and `Window(d, time(22), time(0))` is
  22:00–24:00. Any other `end < start` runs **past midnight** into the next day
  (`Window(FRI, time(22), time(6))` ends Saturday 06:00). `start == end` otherwise is empty.
* A window belongs to the day it **starts** on: if that local date is a holiday or a
  closed date, the whole window is skipped, including its after-midnight part; a
  holiday on the next day does not cut a window that started the evening before.
* **DST**: boundaries are converted from local wall-clock time to UTC and the engine
  counts real elapsed time between them. A boundary that does not exist (the skipped hour
  in spring) moves to the first instant that exists after the gap (the transition
  itself); an ambiguous boundary (the repeated hour in autumn) is its **first**
  occurrence (`fold=0`). So in Europe/Warsaw a 01:00–04:00 window holds 2 real hours on
  29 March 2026 and 4 real hours on 25 October 2026, and a window lying wholly inside
  the skipped hour is empty that night. The mapping is monotonic, so windows that touch
  in wall-clock time still touch in UTC.
* **24/7** (`always_open=True`) is wall-clock UTC time: every instant counts, and
  `holiday_country`, `closed_dates` and `windows` are ignored. For "round the clock
  except holidays" use seven full-day windows (`Window(d, time(0), time(0))`).
* **Business day** (for the cut-off): a local date that is not closed and has at least
  one non-empty working interval starting on it (under 24/7: every date).
* **Cut-off** (`clock_start`): received on a business day before the cut-off →
  `next_open(received_at)`; at or after the cut-off, or on a non-business day → the
  first working instant of the next business day (under 24/7: the next local midnight).
* `add(s, d)` with `d > 0` returns the instant the last bit of `d` is used — it can be a
  window's end (12:00 + 4 h in an 8–16 window is 16:00, not 8:00 next day); `add(s, 0)`
  is `next_open(s)`. `between(a, b)` counts business time in `[a, b)`.
* Supported local years: 1900–9998 (ValueError outside).
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from helpdesk_app.domain.errors import Invalid

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
MIN_YEAR, MAX_YEAR = 1900, 9998
# Name returned by closed_days_between() for a custom closure: a catalog key, the UI
# translates it ("Closed (company day off)").
CUSTOM_CLOSURE = "calendar.custom_closure"

_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DAY_US = 86_400_000_000
_WEEK_US = 7 * _DAY_US
_MIDNIGHT = time(0)


@dataclass(frozen=True)
class Window:
    """A weekly working window in local wall-clock time (see the module rules)."""

    weekday: int  # 0 = Monday .. 6 = Sunday
    start: time
    end: time  # time(0) = 24:00; end < start = past midnight

    @property
    def full_day(self) -> bool:
        return self.start == _MIDNIGHT and self.end == _MIDNIGHT

    @property
    def spans_midnight(self) -> bool:
        return self.end != _MIDNIGHT and self.end < self.start

    def offsets(self) -> tuple[int, int]:
        """(start, end) in microseconds from the start day's local midnight."""
        start = _tod_us(self.start)
        if self.end == _MIDNIGHT:
            return start, _DAY_US
        end = _tod_us(self.end)
        return start, end if end > start else end + _DAY_US

    def label(self) -> str:
        return f"{_fmt(self.start)}–{'24:00' if self.end == _MIDNIGHT else _fmt(self.end)}"


@dataclass(frozen=True)
class CalendarSpec:
    timezone: str = "Europe/Warsaw"
    windows: tuple[Window, ...] = ()
    always_open: bool = False  # 24/7: wall-clock time, holidays and closures ignored
    holiday_country: str | None = "PL"
    closed_dates: frozenset[date] = field(default_factory=frozenset)
    cutoff: time | None = None


def working_day_minutes(spec: CalendarSpec) -> int | None:
    """The length of the calendar's working day in minutes when all its working days are
    equally long (Mon–Fri 8–16: 480; 24/7: 1440); None when they differ or there are none.
    For showing business time as working days, never for arithmetic."""
    if spec.always_open:
        return 24 * 60
    per_day: dict[int, int] = {}
    for w in spec.windows:
        start = w.start.hour * 60 + w.start.minute
        end = w.end.hour * 60 + w.end.minute
        if end <= start:  # time(0) = 24:00; a window past midnight counts on its first day
            end += 24 * 60
        per_day[w.weekday] = per_day.get(w.weekday, 0) + end - start
    lengths = set(per_day.values())
    return lengths.pop() if len(lengths) == 1 else None


def weekdays(start: time, end: time, days: tuple[int, ...] = (MON, TUE, WED, THU, FRI),
             ) -> tuple[Window, ...]:
    """The same window on several weekdays: `weekdays(time(8), time(16))` = Mon–Fri 8–16."""
    return tuple(Window(d, start, end) for d in days)


def _tod_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _fmt(t: time) -> str:
    text = f"{t.hour:02d}:{t.minute:02d}"
    if t.second or t.microsecond:
        text += f":{t.second:02d}"
    return text


# ---------------------------------------------------------------------------- validation

def validate(spec: CalendarSpec) -> None:
    """Raise `Invalid(key, **params)` for the first problem found in `spec`.

    Keys: calendar.timezone_invalid (timezone), calendar.holiday_country_invalid
    (country), calendar.weekday_invalid (weekday), calendar.window_empty (weekday,
    window), calendar.windows_overlap (weekday, window, other_weekday, other),
    calendar.no_working_time.
    """
    try:
        if not isinstance(spec.timezone, str) or not spec.timezone:
            raise ValueError(spec.timezone)
        ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        raise Invalid("calendar.timezone_invalid", timezone=str(spec.timezone)) from None
    if spec.holiday_country is not None:
        try:
            holidays.country_holidays(spec.holiday_country)
        except (NotImplementedError, KeyError, AttributeError, TypeError):
            raise Invalid("calendar.holiday_country_invalid",
                          country=str(spec.holiday_country)) from None
    if spec.always_open:
        return
    if not spec.windows:
        raise Invalid("calendar.no_working_time")
    spans: list[tuple[int, int, Window]] = []
    for w in spec.windows:
        if isinstance(w.weekday, bool) or not isinstance(w.weekday, int) \
                or not 0 <= w.weekday <= 6:
            raise Invalid("calendar.weekday_invalid", weekday=str(w.weekday))
        if not isinstance(w.start, time) or not isinstance(w.end, time):
            raise Invalid("calendar.window_empty", weekday=w.weekday,
                          window=f"{w.start}–{w.end}")
        if w.start == w.end and not w.full_day:
            raise Invalid("calendar.window_empty", weekday=w.weekday, window=w.label())
        a, b = w.offsets()
        spans.append((w.weekday * _DAY_US + a, w.weekday * _DAY_US + b, w))
    # Overlap on the circular week: a Sunday window running past midnight meets Monday.
    for i, (a1, b1, w1) in enumerate(spans):
        for a2, b2, w2 in spans[i + 1:]:
            for shift in (-_WEEK_US, 0, _WEEK_US):
                if a1 < b2 + shift and a2 + shift < b1:
                    raise Invalid("calendar.windows_overlap", weekday=w1.weekday,
                                  window=w1.label(), other_weekday=w2.weekday,
                                  other=w2.label())


# ---------------------------------------------------------------------------- helpers

def _to_us(dt: datetime) -> int:
    if not isinstance(dt, datetime):
        raise TypeError(f"expected datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: pass a timezone-aware (UTC) datetime")
    return (dt - _EPOCH) // _US


def _from_us(n: int) -> datetime:
    return _EPOCH + timedelta(microseconds=n)


def _dur_us(duration: timedelta) -> int:
    if not isinstance(duration, timedelta):
        raise TypeError("duration must be a timedelta")
    n = duration // _US
    if n < 0:
        raise ValueError("duration must not be negative")
    return n


class _YearChunk:
    """Working intervals (UTC µs) of all windows starting on local dates of one year."""

    __slots__ = ("cum_end", "days", "ends", "starts", "total")

    def __init__(self, starts: list[int], ends: list[int], days: list[int]) -> None:
        self.starts = starts
        self.ends = ends
        self.days = days  # local date ordinal the window starts on
        cum = 0
        self.cum_end: list[int] = []
        for s, e in zip(starts, ends, strict=True):
            cum += e - s
            self.cum_end.append(cum)
        self.total = cum


# ---------------------------------------------------------------------------- calendar

class BusinessCalendar:
    """Business-time arithmetic for one `CalendarSpec` (see the module docstring).

    Working intervals are computed per local year on first use and kept: one sorted
    array of UTC intervals with running totals, so `add`/`between`/`next_open` are two
    binary searches plus a walk over year boundaries.
    """

    def __init__(self, spec: CalendarSpec) -> None:
        validate(spec)
        self.spec = spec
        self.tz = ZoneInfo(spec.timezone)
        self._by_weekday: tuple[tuple[tuple[int, int], ...], ...] = tuple(
            tuple(sorted(w.offsets() for w in spec.windows if w.weekday == d))
            for d in range(7)
        )
        self._chunks: dict[int, _YearChunk] = {}
        self._holiday_cache: dict[tuple[int, str | None], dict[date, str]] = {}
        self._lock = threading.Lock()

    # -- public API ---------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which `duration` of business time has elapsed from `start`."""
        s = _to_us(start)
        d = _dur_us(duration)
        if self.spec.always_open:
            return _from_us(s + d)
        y, i = self._locate(s, start)
        if d == 0:
            return _from_us(max(s, self._chunks[y].starts[i]))
        chunk = self._chunks[y]
        before = chunk.cum_end[i] - (chunk.ends[i] - chunk.starts[i])
        target = before + max(0, s - chunk.starts[i]) + d
        while target > chunk.total:
            target -= chunk.total
            y += 1
            chunk = self._chunk(y)
        j = bisect.bisect_left(chunk.cum_end, target)
        return _from_us(chunk.ends[j] - (chunk.cum_end[j] - target))

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Business time in `[a, b)`; zero when `b <= a`."""
        ua, ub = _to_us(a), _to_us(b)
        if ub <= ua:
            return timedelta(0)
        if self.spec.always_open:
            return timedelta(microseconds=ub - ua)
        ya, pa = self._position(ua, a)
        yb, pb = self._position(ub, b)
        if ya == yb:
            return timedelta(microseconds=pb - pa)
        total = self._chunks[ya].total - pa + pb
        for y in range(ya + 1, yb):
            total += self._chunk(y).total
        return timedelta(microseconds=total)

    def next_open(self, at: datetime) -> datetime:
        """`at` itself when it is working time, otherwise the next working instant."""
        u = _to_us(at)
        if self.spec.always_open:
            return _from_us(u)
        y, i = self._locate(u, at)
        return _from_us(max(u, self._chunks[y].starts[i]))

    def clock_start(self, received_at: datetime) -> datetime:
        """When the SLA clock starts for something received at `received_at` (cut-off)."""
        _to_us(received_at)
        cutoff = self.spec.cutoff
        if cutoff is None:
            return self.next_open(received_at)
        local = received_at.astimezone(self.tz)
        day = local.date()
        if local.time() < cutoff and self.is_business_day(day):
            return self.next_open(received_at)
        if self.spec.always_open:
            return _from_us(self._local_to_us(datetime.combine(day + timedelta(days=1),
                                                                _MIDNIGHT)))
        return _from_us(self._first_start_after_day(day.toordinal()))

    def is_business_day(self, day: date) -> bool:
        """Not closed and at least one non-empty working interval starts on `day`."""
        if self.spec.always_open:
            return True
        chunk = self._chunk(day.year)
        o = day.toordinal()
        k = bisect.bisect_left(chunk.days, o)
        return k < len(chunk.days) and chunk.days[k] == o

    def day_start(self, day: date) -> datetime:
        """The first instant (UTC) of local date `day` in the calendar's zone: its
        midnight, or the end of a DST gap that swallows midnight (same rule as window
        boundaries). Also under 24/7, where it is only a label for local dates."""
        return _from_us(self._local_to_us(datetime.combine(day, _MIDNIGHT)))

    def explain(self, start: datetime, duration: timedelta) -> list[tuple[datetime, datetime]]:
        """The working intervals (UTC, touching ones merged) that `add(start, duration)`
        consumes, in order; their lengths sum to `duration`."""
        s = _to_us(start)
        d = _dur_us(duration)
        if d == 0:
            return []
        if self.spec.always_open:
            return [(_from_us(s), _from_us(s + d))]
        y, i = self._locate(s, start)
        out: list[list[int]] = []
        left = d
        while left > 0:
            chunk = self._chunk(y)
            if i >= len(chunk.starts):
                y, i = y + 1, 0
                continue
            a = max(s, chunk.starts[i])
            b = min(chunk.ends[i], a + left)
            left -= b - a
            if out and out[-1][1] == a:
                out[-1][1] = b
            else:
                out.append([a, b])
            i += 1
        return [(_from_us(a), _from_us(b)) for a, b in out]

    def closed_days_between(self, a: datetime, b: datetime,
                            language: str | None = "pl") -> list[tuple[date, str]]:
        """Holidays and closures that removed working time, local dates from `a`'s to
        `b`'s (inclusive): only dates whose weekday has windows (a holiday on a Saturday
        of a Mon–Fri calendar skips nothing). Names come from the `holidays` package in
        `language` ("pl", "en_US", ...); a custom closure is named `CUSTOM_CLOSURE`.
        Empty under 24/7."""
        _to_us(a)
        _to_us(b)
        if self.spec.always_open or b < a:
            return []
        d0 = a.astimezone(self.tz).date()
        d1 = b.astimezone(self.tz).date()
        out: list[tuple[date, str]] = []
        day = d0
        while day <= d1:
            if self._by_weekday[day.weekday()]:
                names = self._holidays(day.year, language)
                if day in names:
                    out.append((day, names[day]))
                elif day in self.spec.closed_dates:
                    out.append((day, CUSTOM_CLOSURE))
            day += timedelta(days=1)
        return out

    # -- internals ----------------------------------------------------------------------

    def _holidays(self, year: int, language: str | None = None) -> dict[date, str]:
        key = (year, language)
        found = self._holiday_cache.get(key)
        if found is None:
            country = self.spec.holiday_country
            if country is None:
                found = {}
            else:
                kwargs = {"language": language} if language else {}
                found = dict(holidays.country_holidays(country, years=year, **kwargs))
            self._holiday_cache[key] = found
        return found

    def _local_to_us(self, naive: datetime) -> int:
        """Local wall-clock time → UTC µs: gap → the transition, ambiguous → first."""
        u = _to_us(naive.replace(tzinfo=self.tz, fold=0))
        if _from_us(u).astimezone(self.tz).replace(tzinfo=None) == naive:
            return u
        # In a gap: fold=1 gives an instant before the transition, fold=0 one after.
        lo = _to_us(naive.replace(tzinfo=self.tz, fold=1))
        hi = u
        off_lo = _from_us(lo).astimezone(self.tz).utcoffset()
        while hi - lo > 1:  # invariant: offset(lo) == off_lo, offset(hi) != off_lo
            mid = (lo + hi) // 2
            if _from_us(mid).astimezone(self.tz).utcoffset() == off_lo:
                lo = mid
            else:
                hi = mid
        return hi

    def _chunk(self, year: int) -> _YearChunk:
        chunk = self._chunks.get(year)
        if chunk is None:
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise ValueError(f"year {year} is outside the supported range "
                                 f"{MIN_YEAR}–{MAX_YEAR}")
            with self._lock:
                chunk = self._chunks.get(year)
                if chunk is None:
                    chunk = self._build(year)
                    self._chunks[year] = chunk
        return chunk

    def _build(self, year: int) -> _YearChunk:
        closed = set(self._holidays(year)) | {
            d for d in self.spec.closed_dates if d.year == year}
        starts: list[int] = []
        ends: list[int] = []
        days: list[int] = []
        day = date(year, 1, 1)
        one = timedelta(days=1)
        while day.year == year:
            windows = self._by_weekday[day.weekday()]
            if windows and day not in closed:
                midnight = datetime.combine(day, _MIDNIGHT)
                o = day.toordinal()
                for a, b in windows:
                    s = self._local_to_us(midnight + timedelta(microseconds=a))
                    e = self._local_to_us(midnight + timedelta(microseconds=b))
                    if e > s:
                        starts.append(s)
                        ends.append(e)
                        days.append(o)
            day += one
        return _YearChunk(starts, ends, days)

    def _locate(self, u: int, dt: datetime) -> tuple[int, int]:
        """(year, index) of the first working interval that ends after instant `u`."""
        y = max(MIN_YEAR, (dt.year if dt.tzinfo is UTC else dt.astimezone(UTC).year) - 1)
        while True:
            chunk = self._chunk(y)
            if chunk.ends and chunk.ends[-1] > u:
                return y, bisect.bisect_right(chunk.ends, u)
            y += 1

    def _position(self, u: int, dt: datetime) -> tuple[int, int]:
        """(year, business µs of that year's chunk before `u`)."""
        y, i = self._locate(u, dt)
        chunk = self._chunks[y]
        s = chunk.starts[i]
        before = chunk.cum_end[i] - (chunk.ends[i] - s)
        return y, before + (u - s if u > s else 0)

    def _first_start_after_day(self, ordinal: int) -> int:
        y = date.fromordinal(ordinal).year
        while True:
            chunk = self._chunk(y)
            k = bisect.bisect_right(chunk.days, ordinal)
            if k < len(chunk.days):
                return chunk.starts[k]
            y += 1


@lru_cache(maxsize=128)
def get_calendar(spec: CalendarSpec) -> BusinessCalendar:
    """A shared `BusinessCalendar` per spec (specs are frozen, so they key a cache)."""
    return BusinessCalendar(spec)
