"""Hand-computed rating of work entries (domain/rating.py).

Unless a test says otherwise: 180.00 PLN an hour (18000 gr), after-hours 150 %, weekend
and holidays 200 %, on a Mon–Fri 8:00–16:00 calendar with Polish holidays, Europe/Warsaw.
So an hour bills 18000 gr normal, 27000 after-hours, 36000 on a non-business day.

Dates (2026): Tue 10 March, Fri 13 March, Sat 14 March, Mon 16 March; Friday 1 May is a
holiday; Wednesday 11 November is a holiday; DST starts Sunday 29 March (02:00 → 03:00)
and ends Sunday 25 October (03:00 → 02:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk_app.domain.calendars import FRI, SUN, CalendarSpec, Window, weekdays
from helpdesk_app.domain.errors import Invalid
from helpdesk_app.domain.rating import EntryTimes, Rated, RateRule, rate, validate_rule
from helpdesk_app.i18n import CATALOGS

WAW = ZoneInfo("Europe/Warsaw")
H = 3600
MIN = 60
OFFICE = CalendarSpec(windows=weekdays(time(8), time(16)))
ALWAYS = CalendarSpec(always_open=True)
RULE = RateRule(hourly_rate_minor=18000, after_hours_pct=150, weekend_pct=200)


def W(m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    """Warsaw wall-clock time in 2026 (only for times that exist once)."""
    return datetime(2026, m, d, hh, mm, ss, tzinfo=WAW)


def span(a: datetime, b: datetime) -> tuple[datetime, datetime]:
    return (a, b)


def work(*spans: tuple[datetime, datetime], seconds: int, **kw: object) -> EntryTimes:
    return EntryTimes(spans=spans, seconds=seconds, **kw)  # type: ignore[arg-type]


# ------------------------------------------------------------------ classification

def test_after_hours_across_midnight() -> None:
    # Tue 20:00 → Wed 02:00: all outside 8–16 on business days = 6 h after-hours;
    # 6 × 27000 = 162000.
    entry = work(span(W(3, 10, 20), W(3, 11, 2)), seconds=6 * H)
    assert rate(entry, RULE, OFFICE) == Rated(360, 162000, 0, 6 * H, 0)


def test_friday_afternoon_into_saturday() -> None:
    # Fri 15:00–16:00 normal, 16:00–24:00 after-hours, Sat 00:00–01:00 weekend:
    # 18000 + 8 × 27000 + 36000 = 270000.
    entry = work(span(W(3, 13, 15), W(3, 14, 1)), seconds=10 * H)
    assert rate(entry, RULE, OFFICE) == Rated(600, 270000, H, 8 * H, H)


def test_public_holiday_on_a_weekday_is_weekend_time() -> None:
    # Wed 11 November (Independence Day) 10–12: 2 × 36000; Thursday the same hours: 2 × 18000.
    holiday = work(span(W(11, 11, 10), W(11, 11, 12)), seconds=2 * H)
    assert rate(holiday, RULE, OFFICE) == Rated(120, 72000, 0, 0, 2 * H)
    next_day = work(span(W(11, 12, 10), W(11, 12, 12)), seconds=2 * H)
    assert rate(next_day, RULE, OFFICE) == Rated(120, 36000, 2 * H, 0, 0)


def test_closed_date_is_weekend_time_all_day() -> None:
    # Mon 16 March 07:00–09:00: 1 h after-hours + 1 h normal = 27000 + 18000 = 45000;
    # closed that day, both hours are weekend: 2 × 36000 = 72000.
    entry = work(span(W(3, 16, 7), W(3, 16, 9)), seconds=2 * H)
    assert rate(entry, RULE, OFFICE) == Rated(120, 45000, H, H, 0)
    closed = CalendarSpec(windows=OFFICE.windows, closed_dates=frozenset({date(2026, 3, 16)}))
    assert rate(entry, RULE, closed) == Rated(120, 72000, 0, 0, 2 * H)


def test_window_past_midnight_belongs_to_its_start_day() -> None:
    # Fri 22:00–Sat 06:00 is working time: Sat 02:00–06:00 normal, 06:00–07:00 weekend:
    # 4 × 18000 + 36000 = 108000.
    nights = CalendarSpec(windows=(*OFFICE.windows, Window(FRI, time(22), time(6))))
    entry = work(span(W(3, 14, 2), W(3, 14, 7)), seconds=5 * H)
    assert rate(entry, RULE, nights) == Rated(300, 108000, 4 * H, 0, H)
    # Fri 1 May is a holiday: its night window is skipped, Sat 2 May is all weekend:
    # 5 × 36000 = 180000.
    entry = work(span(W(5, 2, 2), W(5, 2, 7)), seconds=5 * H)
    assert rate(entry, RULE, nights) == Rated(300, 180000, 0, 0, 5 * H)


def test_always_open_calendar_is_all_normal() -> None:
    # Sun 22:00 → Mon 02:00 and the 11 November holiday: every hour 18000.
    night = work(span(W(3, 8, 22), W(3, 9, 2)), seconds=4 * H)
    assert rate(night, RULE, ALWAYS) == Rated(240, 72000, 4 * H, 0, 0)
    holiday = work(span(W(11, 11, 10), W(11, 11, 12)), seconds=2 * H)
    assert rate(holiday, RULE, ALWAYS) == Rated(120, 36000, 2 * H, 0, 0)


def test_call_out_flag_turns_normal_into_after_hours_only() -> None:
    # Tue 10–11 (normal → after-hours) + Sat 10–11 (stays weekend): 27000 + 36000.
    entry = work(span(W(3, 10, 10), W(3, 10, 11)), span(W(3, 14, 10), W(3, 14, 11)),
                 seconds=2 * H, after_hours=True)
    assert rate(entry, RULE, OFFICE) == Rated(120, 63000, 0, H, H)


def test_spans_in_any_order_and_touching() -> None:
    # 10:30–11:00 given before 10:00–10:30 (touching): one normal hour, 18000.
    entry = work(span(W(3, 10, 10, 30), W(3, 10, 11)), span(W(3, 10, 10), W(3, 10, 10, 30)),
                 seconds=H)
    assert rate(entry, RULE, OFFICE) == Rated(60, 18000, H, 0, 0)


# ------------------------------------------------------------------ DST: real elapsed time

def test_spring_forward_night_is_three_real_hours() -> None:
    # Sun 29 March 00:00 CET (23:00 UTC) → 04:00 CEST (02:00 UTC) = 3 h, Sunday:
    # 3 × 36000 = 108000.
    entry = work(span(W(3, 29, 0), W(3, 29, 4)), seconds=3 * H)
    assert rate(entry, RULE, OFFICE) == Rated(180, 108000, 0, 0, 3 * H)
    # Wall-clock subtraction says 4 h: that caller bug is refused, not billed.
    with pytest.raises(ValueError, match="real elapsed time"):
        rate(work(span(W(3, 29, 0), W(3, 29, 4)), seconds=4 * H), RULE, OFFICE)


def test_fall_back_night_is_five_real_hours() -> None:
    # Sun 25 October 00:00 CEST (22:00 UTC) → 04:00 CET (03:00 UTC) = 5 h: 5 × 36000.
    entry = work(span(W(10, 25, 0), W(10, 25, 4)), seconds=5 * H)
    assert rate(entry, RULE, OFFICE) == Rated(300, 180000, 0, 0, 5 * H)
    # 24/7 counts the same real hours, all normal: 5 × 18000.
    assert rate(entry, RULE, ALWAYS) == Rated(300, 90000, 5 * H, 0, 0)


def test_dst_window_on_a_working_sunday() -> None:
    # A Sunday 01:00–04:00 window holds 2 real hours on 29 March (calendars.py); Sunday
    # is then a business day, so 00:00–01:00 is after-hours: 2 × 18000 + 27000 = 63000.
    sundays = CalendarSpec(windows=(Window(SUN, time(1), time(4)),))
    entry = work(span(W(3, 29, 0), W(3, 29, 4)), seconds=3 * H)
    assert rate(entry, RULE, sundays) == Rated(180, 63000, 2 * H, H, 0)


# ------------------------------------------------------------------ rounding and minimum

def test_no_rounding_is_whole_minutes_half_up() -> None:
    # Duration-only, normal: 89 s → 1 min (300 gr); 90 s → 2 min (600 gr).
    assert rate(work(seconds=89), RULE, OFFICE) == Rated(1, 300, 89, 0, 0)
    assert rate(work(seconds=90), RULE, OFFICE) == Rated(2, 600, 90, 0, 0)


def test_round_up_bills_every_started_block() -> None:
    up15 = RateRule(18000, rounding="up", rounding_minutes=15)
    # Tue 10:00–10:16 → 2 started blocks = 30 min = 9000; 10:00–10:15 → 15 min = 4500.
    assert rate(work(span(W(3, 10, 10), W(3, 10, 10, 16)), seconds=16 * MIN), up15,
                OFFICE) == Rated(30, 9000, 16 * MIN, 0, 0)
    assert rate(work(span(W(3, 10, 10), W(3, 10, 10, 15)), seconds=15 * MIN), up15,
                OFFICE) == Rated(15, 4500, 15 * MIN, 0, 0)


def test_round_to_nearest_block_half_up() -> None:
    near15 = RateRule(18000, rounding="nearest", rounding_minutes=15)
    # 22 min → 15 (4500); 22 min 30 s → 30 (half up); 23 min → 30 (9000).
    assert rate(work(seconds=22 * MIN), near15, OFFICE) == Rated(15, 4500, 22 * MIN, 0, 0)
    assert rate(work(seconds=22 * MIN + 30), near15, OFFICE).billable_minutes == 30
    assert rate(work(seconds=23 * MIN), near15, OFFICE) == Rated(30, 9000, 23 * MIN, 0, 0)


def test_rounding_down_takes_from_the_last_pieces_first() -> None:
    # Tue 15:29–16:13: 31 min normal + 13 min after-hours = 44 min → nearest 30 = 30 min.
    # The 14 min removed: all 13 after-hours, then 1 normal → 30 normal min = 9000
    # (taken from the start it would be 17 normal + 13 after-hours = 5100 + 5850).
    rule = RateRule(18000, rounding="nearest", rounding_minutes=30, after_hours_pct=150)
    entry = work(span(W(3, 10, 15, 29), W(3, 10, 16, 13)), seconds=44 * MIN)
    assert rate(entry, rule, OFFICE) == Rated(30, 9000, 31 * MIN, 13 * MIN, 0)


def test_rounding_up_bills_the_started_block_like_the_last_piece() -> None:
    # Tue 15:50–16:05: 10 min normal + 5 after-hours → up 15 → 15 min, nothing added:
    # 3000 + 2250 = 5250. Tue 15:50–16:06 → 30 min, the 14 extra min after-hours:
    # 10 normal (3000) + 20 after-hours (20/60 × 27000 = 9000) = 12000.
    rule = RateRule(18000, rounding="up", rounding_minutes=15, after_hours_pct=150)
    entry = work(span(W(3, 10, 15, 50), W(3, 10, 16, 5)), seconds=15 * MIN)
    assert rate(entry, rule, OFFICE) == Rated(15, 5250, 10 * MIN, 5 * MIN, 0)
    entry = work(span(W(3, 10, 15, 50), W(3, 10, 16, 6)), seconds=16 * MIN)
    assert rate(entry, rule, OFFICE) == Rated(30, 12000, 10 * MIN, 6 * MIN, 0)


def test_minimum_visit_on_site_billed_like_the_last_piece() -> None:
    # Tue 15:50–16:10 on site: 10 min normal + 10 after-hours = 20 min → minimum 60; the
    # 40 extra min are after-hours: 10/60 × 18000 + 50/60 × 27000 = 3000 + 22500 = 25500.
    rule = RateRule(18000, minimum_visit_minutes=60, after_hours_pct=150)
    visit = work(span(W(3, 10, 15, 50), W(3, 10, 16, 10)), seconds=20 * MIN, on_site=True)
    assert rate(visit, rule, OFFICE) == Rated(60, 25500, 10 * MIN, 10 * MIN, 0)
    # Remote work has no minimum: 3000 + 10/60 × 27000 = 7500.
    remote = work(span(W(3, 10, 15, 50), W(3, 10, 16, 10)), seconds=20 * MIN)
    assert rate(remote, rule, OFFICE) == Rated(20, 7500, 10 * MIN, 10 * MIN, 0)


def test_minimum_after_rounding_and_for_an_empty_visit() -> None:
    # 20 min → up 15 = 30 → minimum 60: 18000.
    rule = RateRule(18000, rounding="up", rounding_minutes=15, minimum_visit_minutes=60,
                    weekend_pct=200)
    assert rate(work(seconds=20 * MIN, on_site=True), rule, OFFICE).billable_minutes == 60
    # A visit logged with 0 min on Saturday still bills the minimum, at weekend rate: 36000.
    empty = work(seconds=0, day=date(2026, 3, 14), on_site=True)
    assert rate(empty, rule, OFFICE) == Rated(60, 36000, 0, 0, 0)


# ------------------------------------------------------------------ multipliers, amounts

def test_weekend_and_on_site_multiply() -> None:
    # Sat 10–12 on site: 2 × 180.00 × 200 % × 120 % = 864.00 → 86400.
    rule = RateRule(18000, weekend_pct=200, on_site_pct=120)
    entry = work(span(W(3, 14, 10), W(3, 14, 12)), seconds=2 * H, on_site=True)
    assert rate(entry, rule, OFFICE) == Rated(120, 86400, 0, 0, 2 * H)
    # On a weekday: 2 × 180.00 × 120 % = 432.00; not on site: 360.00.
    weekday = work(span(W(3, 10, 10), W(3, 10, 12)), seconds=2 * H, on_site=True)
    assert rate(weekday, rule, OFFICE).amount_minor == 43200
    remote = work(span(W(3, 10, 10), W(3, 10, 12)), seconds=2 * H)
    assert rate(remote, rule, OFFICE).amount_minor == 36000


def test_final_grosz_is_rounded_half_up() -> None:
    # 1 min at 150 gr/h = 2.5 gr → 3 (banker's rounding would give 2); at 90 gr/h 1.5 → 2.
    assert rate(work(seconds=MIN), RateRule(150), OFFICE).amount_minor == 3
    assert rate(work(seconds=MIN), RateRule(90), OFFICE).amount_minor == 2
    # 1 min at 10001 gr/h = 166.68 gr → 167.
    assert rate(work(seconds=MIN), RateRule(10001), OFFICE).amount_minor == 167


def test_amount_is_rounded_once_not_per_piece() -> None:
    # Tue 15:59–16:01 at 30 gr/h: 1 min normal = 0.5 gr, 1 min after-hours 150 % =
    # 0.75 gr; 1.25 gr → 1 (rounding each piece would give 1 + 1 = 2).
    entry = work(span(W(3, 10, 15, 59), W(3, 10, 16, 1)), seconds=2 * MIN)
    assert rate(entry, RateRule(30, after_hours_pct=150), OFFICE) == Rated(2, 1, MIN, MIN, 0)


def test_not_billable_bills_nothing_but_reports_the_split() -> None:
    entry = work(span(W(3, 13, 15), W(3, 14, 1)), seconds=10 * H, billable=False,
                 on_site=True)
    rule = RateRule(18000, minimum_visit_minutes=60, after_hours_pct=150, weekend_pct=200)
    assert rate(entry, rule, OFFICE) == Rated(0, 0, H, 8 * H, H)


# ------------------------------------------------------------------ duration-only entries

@pytest.mark.parametrize(("day", "flag", "expected"), [
    # 90 min: normal 1.5 × 18000 = 27000, after-hours 40500, weekend 54000.
    (None, False, Rated(90, 27000, 5400, 0, 0)),
    (date(2026, 3, 10), False, Rated(90, 27000, 5400, 0, 0)),  # Tuesday
    (date(2026, 3, 14), False, Rated(90, 54000, 0, 0, 5400)),  # Saturday
    (date(2026, 11, 11), False, Rated(90, 54000, 0, 0, 5400)),  # holiday
    (None, True, Rated(90, 40500, 0, 5400, 0)),  # call-out
    (date(2026, 3, 14), True, Rated(90, 54000, 0, 0, 5400)),  # weekend stays weekend
])
def test_duration_only(day: date | None, flag: bool, expected: Rated) -> None:
    entry = EntryTimes(spans=(), seconds=90 * MIN, day=day, after_hours=flag)
    assert rate(entry, RULE, OFFICE) == expected


# ------------------------------------------------------------------ refused input

def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 10, 10)
    with pytest.raises(ValueError, match="naive"):
        rate(work(span(naive, naive + timedelta(hours=1)), seconds=H), RULE, OFFICE)


def test_fractions_of_a_second_are_refused() -> None:
    entry = work(span(W(3, 10, 10), W(3, 10, 11) + timedelta(microseconds=1)), seconds=H)
    with pytest.raises(ValueError, match="whole seconds"):
        rate(entry, RULE, OFFICE)


@pytest.mark.parametrize(("entry", "key"), [
    (work(span(W(3, 10, 11), W(3, 10, 10)), seconds=H), "rating.span_reversed"),
    (work(span(W(3, 10, 10), W(3, 10, 10)), seconds=0), "rating.span_reversed"),
    (work(span(W(3, 10, 10), W(3, 10, 11)), span(W(3, 10, 10, 59), W(3, 10, 12)),
          seconds=2 * H + MIN), "rating.spans_overlap"),
    (work(seconds=-1), "rating.seconds_negative"),
])
def test_bad_entries_are_invalid(entry: EntryTimes, key: str) -> None:
    with pytest.raises(Invalid) as e:
        rate(entry, RULE, OFFICE)
    assert e.value.key == key
    assert key in CATALOGS["pl"] and key in CATALOGS["en"]


@pytest.mark.parametrize(("rule", "key", "params"), [
    (RateRule(-1), "rating.rate_invalid", {}),
    (RateRule(18000, currency="zł"), "rating.currency_invalid", {"currency": "zł"}),
    (RateRule(18000, currency="EURO"), "rating.currency_invalid", {"currency": "EURO"}),
    (RateRule(18000, rounding="down"), "rating.rounding_unknown", {"rounding": "down"}),
    (RateRule(18000, rounding="up"), "rating.rounding_minutes_missing", {}),
    (RateRule(18000, rounding="nearest"), "rating.rounding_minutes_missing", {}),
    (RateRule(18000, rounding="up", rounding_minutes=-15), "rating.rounding_minutes_invalid",
     {"max": 1440}),
    (RateRule(18000, minimum_visit_minutes=-1), "rating.minimum_invalid", {"max": 1440}),
    (RateRule(18000, after_hours_pct=0), "rating.after_hours_pct_invalid", {"max": 1000}),
    (RateRule(18000, weekend_pct=-100), "rating.weekend_pct_invalid", {"max": 1000}),
    (RateRule(18000, on_site_pct=1001), "rating.on_site_pct_invalid", {"max": 1000}),
])
def test_validate_rule(rule: RateRule, key: str, params: dict) -> None:
    with pytest.raises(Invalid) as e:
        validate_rule(rule)
    assert (e.value.key, e.value.params) == (key, params)
    assert key in CATALOGS["pl"] and key in CATALOGS["en"]
    with pytest.raises(Invalid):  # rate() checks the rule too
        rate(work(seconds=H), rule, OFFICE)


def test_valid_rules() -> None:
    validate_rule(RateRule(0))  # a free contract
    validate_rule(RateRule(18000, rounding="none", rounding_minutes=15))  # block ignored
    validate_rule(RateRule(18000, currency="EUR", rounding="up", rounding_minutes=1440,
                           minimum_visit_minutes=1440, after_hours_pct=1000,
                           weekend_pct=1, on_site_pct=1000))


# ------------------------------------------------------------------ properties

_CALENDARS = (
    OFFICE,
    CalendarSpec(windows=(*OFFICE.windows, Window(FRI, time(22), time(6))),
                 closed_dates=frozenset({date(2026, 3, 16)})),
    CalendarSpec(windows=(Window(SUN, time(1), time(4)),)),  # inside the DST hours
    ALWAYS,
)
_BASE = datetime(2026, 3, 20, tzinfo=UTC)  # spans reach past both DST changes


@st.composite
def _entries(draw: st.DrawFn) -> EntryTimes:
    # Gaps and lengths in seconds from _BASE; consecutive, so never overlapping.
    steps = draw(st.lists(st.tuples(st.integers(0, 60 * 86400), st.integers(1, 3 * 86400)),
                          min_size=1, max_size=4))
    spans, at = [], _BASE
    for gap, length in steps:
        start = at + timedelta(seconds=gap)
        at = start + timedelta(seconds=length)
        spans.append((start.astimezone(WAW), at.astimezone(WAW)))
    return EntryTimes(spans=tuple(spans), seconds=sum(length for _, length in steps),
                      on_site=draw(st.booleans()), after_hours=draw(st.booleans()))


@settings(max_examples=150, deadline=None)
@given(entry=_entries(), calendar=st.sampled_from(_CALENDARS),
       rounding=st.sampled_from(("none", "up", "nearest")),
       block=st.integers(1, 120), minimum=st.integers(0, 240),
       pcts=st.tuples(*[st.integers(1, 1000)] * 3),
       rate_minor=st.integers(0, 100_000), more=st.integers(0, 100_000))
def test_split_sums_to_worked_time_and_amount_grows_with_rate(
        entry: EntryTimes, calendar: CalendarSpec, rounding: str, block: int, minimum: int,
        pcts: tuple[int, int, int], rate_minor: int, more: int) -> None:
    def rule(r: int) -> RateRule:
        return RateRule(r, rounding=rounding, rounding_minutes=block,
                        minimum_visit_minutes=minimum, after_hours_pct=pcts[0],
                        weekend_pct=pcts[1], on_site_pct=pcts[2])

    low, high = rate(entry, rule(rate_minor), calendar), rate(entry, rule(rate_minor + more),
                                                              calendar)
    assert low.normal_seconds + low.after_hours_seconds + low.weekend_seconds == entry.seconds
    assert low.amount_minor <= high.amount_minor
    assert low.billable_minutes == high.billable_minutes
