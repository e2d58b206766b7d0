"""Property tests (hypothesis) for domain/calendars.py over several kinds of calendar:
office hours with PL holidays and a cut-off, night shifts running past midnight (and past
the end of the week), windows inside the DST-change hours, full days, and 24/7."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk_app.domain.calendars import (
    FRI,
    SAT,
    SUN,
    BusinessCalendar,
    CalendarSpec,
    Window,
    weekdays,
)

CALENDARS = {
    "office": BusinessCalendar(CalendarSpec(windows=weekdays(time(8), time(16)),
                                            cutoff=time(15))),
    "split": BusinessCalendar(CalendarSpec(windows=weekdays(time(7, 30), time(12))
                                           + weekdays(time(12, 30), time(15, 45, 30)),
                                           closed_dates=frozenset({date(2026, 3, 16)}))),
    "night": BusinessCalendar(CalendarSpec(windows=(
        Window(FRI, time(22), time(6)), Window(SAT, time(6), time(10)),
        Window(SUN, time(22), time(2))), cutoff=time(23))),
    "dst_hours": BusinessCalendar(CalendarSpec(
        windows=tuple(Window(d, time(1, 30), time(3, 15)) for d in range(7)),
        holiday_country=None)),
    "full_days": BusinessCalendar(CalendarSpec(
        windows=tuple(Window(d, time(0), time(0)) for d in range(7)))),
    "always": BusinessCalendar(CalendarSpec(always_open=True, cutoff=time(15))),
}

# Instants in 2026–2027 with microseconds; DST nights are hit often enough because the
# calendars above put working time right on them.
LO = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_US = 2 * 365 * 86_400 * 1_000_000
instants = st.integers(0, SPAN_US).map(lambda n: LO + timedelta(microseconds=n))
dst_instants = st.sampled_from([datetime(2026, 3, 28, 22, tzinfo=UTC),
                                datetime(2026, 10, 24, 22, tzinfo=UTC)]).flatmap(
    lambda base: st.integers(0, 6 * 3600 * 10**6).map(
        lambda n: base + timedelta(microseconds=n)))
starts = st.one_of(instants, dst_instants)
durations = st.one_of(
    st.integers(0, 10 * 3600 * 10**6),  # up to ~1 business day
    st.integers(0, 5 * 8 * 3600).map(lambda s: s * 10**6),  # whole seconds, 5 × 8 h
).map(lambda n: timedelta(microseconds=n))
calendars = st.sampled_from(sorted(CALENDARS))

FAST = settings(max_examples=150, deadline=None)


@FAST
@given(calendars, starts, durations)
def test_add_then_measure(name: str, s: datetime, d: timedelta) -> None:
    cal = CALENDARS[name]
    due = cal.add(s, d)
    assert due >= s
    assert cal.between(s, due) == d
    assert cal.between(cal.next_open(s), due) == d
    parts = cal.explain(s, d)
    assert sum((b - a for a, b in parts), timedelta(0)) == d
    if parts:
        assert parts[0][0] == cal.next_open(s) and parts[-1][1] == due
    # With the cut-off applied first, the same holds from the clock start.
    c = cal.clock_start(s)
    assert c >= cal.next_open(s)
    assert cal.between(c, cal.add(c, d)) == d


@FAST
@given(calendars, starts, durations, durations)
def test_monotone_in_duration(name: str, s: datetime, d1: timedelta, d2: timedelta) -> None:
    cal = CALENDARS[name]
    d1, d2 = min(d1, d2), max(d1, d2)
    assert cal.add(s, d1) <= cal.add(s, d2)


@FAST
@given(calendars, starts, starts, durations)
def test_monotone_in_start(name: str, s1: datetime, s2: datetime, d: timedelta) -> None:
    cal = CALENDARS[name]
    s1, s2 = min(s1, s2), max(s1, s2)
    assert cal.add(s1, d) <= cal.add(s2, d)
    assert cal.next_open(s1) <= cal.next_open(s2)
    assert cal.clock_start(s1) <= cal.clock_start(s2)


@FAST
@given(calendars, starts, starts, starts)
def test_between_is_additive(name: str, a: datetime, b: datetime, c: datetime) -> None:
    cal = CALENDARS[name]
    a, b, c = sorted((a, b, c))
    assert cal.between(a, b) + cal.between(b, c) == cal.between(a, c)
    assert cal.between(a, c) <= c - a
    assert cal.between(c, a) == timedelta(0)


@FAST
@given(starts, durations, starts)
def test_always_open_equals_wall_clock_utc(s: datetime, d: timedelta, t: datetime) -> None:
    cal = CALENDARS["always"]
    assert cal.add(s, d) == s + d
    assert cal.between(min(s, t), max(s, t)) == max(s, t) - min(s, t)
    assert cal.next_open(s) == s


@FAST
@given(calendars, starts)
def test_next_open_is_working_time(name: str, s: datetime) -> None:
    cal = CALENDARS[name]
    o = cal.next_open(s)
    tiny = timedelta(microseconds=1)
    assert cal.between(o, o + tiny) == tiny  # o is working time
    assert cal.between(s, o) == timedelta(0)  # nothing working before it
