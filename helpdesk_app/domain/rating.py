"""What one work entry bills under a contract's rate rule — exact, plain Python, no DB.

    rule = RateRule(hourly_rate_minor=18000, rounding="up", rounding_minutes=15,
                    after_hours_pct=150, weekend_pct=200)
    rated = rate(EntryTimes(spans=((start, end),), seconds=3600), rule, calendar_spec)
    rated.billable_minutes, rated.amount_minor     # an office hour: 60, 18000 (180.00 PLN)

Time is classified with the contract's business calendar (`domain/calendars.py`, whose
rules on windows, holidays, closed dates and DST apply unchanged).

Rules (the ones an accountant will ask about)
---------------------------------------------
* **Classes.** Each worked instant, in the calendar's zone, is **normal** when it lies
  inside a working interval of the calendar; otherwise **weekend** when its local date is
  not a business day (no working interval starts on it, or it is a public holiday or a
  closed date: `BusinessCalendar.is_business_day`); otherwise **after-hours**. A window
  past midnight belongs to the day it starts, so with a Friday 22:00–06:00 window,
  Saturday 02:00–06:00 is normal and Saturday 06:00–07:00 is weekend. Under 24/7
  (`always_open`) everything is normal.
* **Call-out flag.** `after_hours=True` on the entry turns its normal time into
  after-hours; weekend time stays weekend.
* **Duration-only entries** (no spans, `seconds` typed by hand) are one piece: weekend
  when `day` is given and is not a business day, otherwise normal (after-hours when
  flagged). `day` is not read when there are spans.
* **Real time.** Spans are tz-aware instants and their length is real elapsed time, DST
  included: 29 March 2026 00:00–04:00 Europe/Warsaw is 3 hours, 25 October 2026
  00:00–04:00 is 5. `seconds` must equal the spans' total (a wall-clock subtraction
  would not — that caller bug raises ValueError). Spans are whole seconds; a working-
  window boundary with a fraction of a second is floored to the second.
* **Rounding** works on the entry's total worked time: "none" → whole minutes, half up
  (90 s → 2 min, 89 s → 1 min); "up" N → every started block of N minutes
  (16 min → 30 with N = 15); "nearest" N → half up to N (22 min → 15, 22 min 30 s → 30).
  Then a billable on-site entry bills at least `minimum_visit_minutes`, even a zero-length
  one (the visit is what is charged).
* **Where the difference goes.** Minutes added by rounding or the minimum are billed at
  the multiplier of the entry's **last** worked piece (the block that was started);
  minutes taken away by rounding come off the last pieces first, backwards.
* **Multipliers** are percent: normal 100, after-hours `after_hours_pct`, weekend
  `weekend_pct`; `on_site_pct` multiplies all of them for an on-site entry (weekend
  200 % on site 120 % = 240 %).
* **Amount** = Σ billed seconds × hourly rate × class % × on-site % / (3600 × 100 × 100),
  computed in integers (exact) and rounded half up to the minor unit **once**, at the end.
  Not billable → 0 minutes and 0 amount; the split of worked time is still reported.
* Bad rule → `Invalid` with a `rating.*` key (`validate_rule`); bad spans typed by a user
  (reversed, overlapping) → `Invalid`; naive datetimes and other caller bugs → ValueError
  or TypeError, as in calendars.py.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from helpdesk_app.domain.calendars import BusinessCalendar, CalendarSpec, get_calendar
from helpdesk_app.domain.errors import Invalid

ROUNDINGS = ("none", "up", "nearest")
MAX_PCT = 1000
MAX_MINUTES = 24 * 60  # longest rounding block or minimum visit

NORMAL, AFTER_HOURS, WEEKEND = "normal", "after_hours", "weekend"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class RateRule:
    """A contract's rate rule (see the module rules)."""

    hourly_rate_minor: int  # minor units per hour (grosze): 18000 = 180.00 PLN
    currency: str = "PLN"
    rounding: str = "none"  # "none" | "up" (each started block) | "nearest"
    rounding_minutes: int = 0  # block length for "up"/"nearest", e.g. 15; ignored for "none"
    minimum_visit_minutes: int = 0  # an on-site entry bills at least this
    after_hours_pct: int = 100  # outside working windows on business days
    weekend_pct: int = 100  # on non-business days (weekend, public holiday, closed date)
    on_site_pct: int = 100  # the whole on-site entry; multiplies with the above


@dataclass(frozen=True)
class EntryTimes:
    """The time of one work entry: spans logged by a timer or typed, or a bare duration."""

    spans: tuple[tuple[datetime, datetime], ...]  # tz-aware [start, end), may be empty
    seconds: int  # sum of spans, or the duration typed by hand when spans is empty
    day: date | None = None  # the local work date of a duration-only entry
    billable: bool = True
    on_site: bool = False
    after_hours: bool = False  # set by hand (a call-out): its normal time is after-hours


@dataclass(frozen=True)
class Rated:
    billable_minutes: int  # after rounding and minimum; 0 when not billable
    amount_minor: int  # 0 when not billable
    normal_seconds: int  # the split of worked time, before rounding
    after_hours_seconds: int
    weekend_seconds: int


# ---------------------------------------------------------------------------- validation

def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_rule(rule: RateRule) -> None:
    """Raise `Invalid(key, **params)` for the first problem found in `rule`.

    Keys: rating.rate_invalid, rating.currency_invalid (currency), rating.rounding_unknown
    (rounding), rating.rounding_minutes_missing, rating.rounding_minutes_invalid (max),
    rating.minimum_invalid (max), rating.after_hours_pct_invalid /
    rating.weekend_pct_invalid / rating.on_site_pct_invalid (max).
    """
    if not _is_int(rule.hourly_rate_minor) or rule.hourly_rate_minor < 0:
        raise Invalid("rating.rate_invalid")
    currency = rule.currency
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isascii()
            and currency.isalpha() and currency.isupper()):
        raise Invalid("rating.currency_invalid", currency=str(currency))
    if rule.rounding not in ROUNDINGS:
        raise Invalid("rating.rounding_unknown", rounding=str(rule.rounding))
    block = rule.rounding_minutes
    if not _is_int(block) or not 0 <= block <= MAX_MINUTES:
        raise Invalid("rating.rounding_minutes_invalid", max=MAX_MINUTES)
    if rule.rounding != "none" and block == 0:
        raise Invalid("rating.rounding_minutes_missing")
    minimum = rule.minimum_visit_minutes
    if not _is_int(minimum) or not 0 <= minimum <= MAX_MINUTES:
        raise Invalid("rating.minimum_invalid", max=MAX_MINUTES)
    for key, pct in (("rating.after_hours_pct_invalid", rule.after_hours_pct),
                     ("rating.weekend_pct_invalid", rule.weekend_pct),
                     ("rating.on_site_pct_invalid", rule.on_site_pct)):
        if not _is_int(pct) or not 0 < pct <= MAX_PCT:
            raise Invalid(key, max=MAX_PCT)


# ---------------------------------------------------------------------------- rating

def rate(entry: EntryTimes, rule: RateRule, calendar: CalendarSpec) -> Rated:
    """What `entry` bills under `rule`, its time classified by `calendar`."""
    validate_rule(rule)
    cal = get_calendar(calendar)
    pieces = _pieces(entry, cal)
    if entry.after_hours:
        pieces = [(AFTER_HOURS if cls == NORMAL else cls, s) for cls, s in pieces]
    split = {NORMAL: 0, AFTER_HOURS: 0, WEEKEND: 0}
    for cls, s in pieces:
        split[cls] += s
    worked = entry.seconds
    if not entry.billable:
        return Rated(0, 0, split[NORMAL], split[AFTER_HOURS], split[WEEKEND])

    minutes = _rounded_minutes(worked, rule)
    if entry.on_site:
        minutes = max(minutes, rule.minimum_visit_minutes)
    billed = [s for _, s in pieces]
    delta = minutes * 60 - worked
    if delta > 0:  # the started block (or the visit minimum) is billed like the last piece
        billed[-1] += delta
    i = len(billed) - 1
    while delta < 0:  # rounded down: take it off the end
        take = min(billed[i], -delta)
        billed[i] -= take
        delta += take
        i -= 1

    pct = {NORMAL: 100, AFTER_HOURS: rule.after_hours_pct, WEEKEND: rule.weekend_pct}
    on_site = rule.on_site_pct if entry.on_site else 100
    num = sum(s * pct[cls] for (cls, _), s in zip(pieces, billed, strict=True))
    num *= rule.hourly_rate_minor * on_site
    den = 3600 * 100 * 100
    amount = (2 * num + den) // (2 * den)  # half up; num >= 0
    return Rated(minutes, amount, split[NORMAL], split[AFTER_HOURS], split[WEEKEND])


def _rounded_minutes(seconds: int, rule: RateRule) -> int:
    if rule.rounding == "none":
        return (seconds + 30) // 60
    block = rule.rounding_minutes * 60
    if rule.rounding == "up":
        return -(-seconds // block) * rule.rounding_minutes
    return (seconds + block // 2) // block * rule.rounding_minutes


# ---------------------------------------------------------------------------- pieces

def _pieces(entry: EntryTimes, cal: BusinessCalendar) -> list[tuple[str, int]]:
    """The entry's worked time as (class, seconds) in time order, before the call-out
    flag; never empty (a duration-only entry is one piece, possibly of 0 s)."""
    if not _is_int(entry.seconds):
        raise TypeError("seconds must be an int")
    if entry.seconds < 0:
        raise Invalid("rating.seconds_negative")
    if not entry.spans:
        day = entry.day
        if isinstance(day, datetime):
            raise TypeError("day must be a date, not a datetime")
        weekend = day is not None and not cal.is_business_day(day)
        return [(WEEKEND if weekend else NORMAL, entry.seconds)]

    spans = sorted((_to_s(a), _to_s(b)) for a, b in entry.spans)
    for a, b in spans:
        if b <= a:
            raise Invalid("rating.span_reversed")
    for (_, b1), (a2, _) in itertools.pairwise(spans):
        if a2 < b1:
            raise Invalid("rating.spans_overlap")
    total = sum(b - a for a, b in spans)
    if total != entry.seconds:
        raise ValueError(f"seconds={entry.seconds} but the spans hold {total} s "
                         "(real elapsed time, DST included)")
    pieces: list[tuple[str, int]] = []
    for a, b in spans:
        pieces.extend(_span_pieces(a, b, cal))
    return pieces


def _span_pieces(a: int, b: int, cal: BusinessCalendar) -> list[tuple[str, int]]:
    """Pieces of the span [a, b) in UTC epoch seconds."""
    if cal.spec.always_open:
        return [(NORMAL, b - a)]
    start, end = _at(a), _at(b)
    out: list[tuple[str, int]] = []
    cursor = a
    # The working intervals inside [a, b) are what `explain` consumes from `a` for the
    # business time `between` counts there; the gaps between them are off-hours.
    for ws, we in cal.explain(start, cal.between(start, end)):
        s, e = _floor_s(ws), _floor_s(we)
        out.extend(_off_pieces(cursor, s, cal))
        if e > s:
            out.append((NORMAL, e - s))
        cursor = e
    out.extend(_off_pieces(cursor, b, cal))
    return out


def _off_pieces(a: int, b: int, cal: BusinessCalendar) -> list[tuple[str, int]]:
    """Non-working time [a, b), cut at local midnights: after-hours on business days,
    weekend on the others."""
    out: list[tuple[str, int]] = []
    if b <= a:
        return out
    day = _at(a).astimezone(cal.tz).date()
    one = timedelta(days=1)
    while a < b:
        next_day = _floor_s(cal.day_start(day + one))
        if next_day <= a:  # clocks set back across midnight: a local date repeats
            day += one
            continue
        end = min(b, next_day)
        out.append((AFTER_HOURS if cal.is_business_day(day) else WEEKEND, end - a))
        a, day = end, day + one
    return out


def _to_s(dt: datetime) -> int:
    """A tz-aware instant on a whole second → UTC epoch seconds."""
    if not isinstance(dt, datetime):
        raise TypeError(f"expected datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: pass a timezone-aware datetime")
    s, rest = divmod(dt - _EPOCH, _SECOND)
    if rest:
        raise ValueError("spans must be whole seconds")
    return s


def _floor_s(dt: datetime) -> int:
    return (dt - _EPOCH) // _SECOND


def _at(s: int) -> datetime:
    return _EPOCH + timedelta(seconds=s)
