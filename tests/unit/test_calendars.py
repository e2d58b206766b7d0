"""Hand-computed business-time cases (domain/calendars.py).

Dates used (Europe/Warsaw, 2026): Easter Monday 6 April; 11 November is a Wednesday;
24 December (statutory from 2025) is a Thursday; DST starts Sunday 29 March (02:00 →
03:00, CET +1 → CEST +2) and ends Sunday 25 October (03:00 → 02:00).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk_app.domain.calendars import (
    CUSTOM_CLOSURE,
    FRI,
    MON,
    SAT,
    SUN,
    THU,
    TUE,
    WED,
    BusinessCalendar,
    CalendarSpec,
    Window,
    get_calendar,
    validate,
    weekdays,
)
from helpdesk_app.domain.errors import Invalid

WAW = ZoneInfo("Europe/Warsaw")
H = timedelta(hours=1)
MIN = timedelta(minutes=1)
US = timedelta(microseconds=1)
OFFICE = weekdays(time(8), time(16))


def L(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """Warsaw wall-clock time as a UTC instant (only for times that exist once)."""
    return datetime(y, m, d, hh, mm, tzinfo=WAW).astimezone(UTC)


def U(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


@pytest.fixture(scope="module")
def office() -> BusinessCalendar:
    """Mon–Fri 8:00–16:00, Polish holidays, cut-off 15:00."""
    return BusinessCalendar(CalendarSpec(windows=OFFICE, cutoff=time(15)))


# ------------------------------------------------------------------ the cases

def test_friday_after_cutoff_four_hours_due_monday_noon(office: BusinessCalendar) -> None:
    # Friday 13 March 2026 15:30; Monday 16 March 2026 is not a holiday.
    received = L(2026, 3, 13, 15, 30)
    start = office.clock_start(received)
    assert start == L(2026, 3, 16, 8, 0) == U(2026, 3, 16, 7, 0)
    assert office.add(start, 4 * H) == L(2026, 3, 16, 12, 0)
    # Without the cut-off the half hour left on Friday counts.
    assert office.add(received, 4 * H) == L(2026, 3, 16, 11, 30)


def test_before_cutoff_clock_starts_at_receipt(office: BusinessCalendar) -> None:
    received = L(2026, 3, 13, 14, 59)
    assert office.clock_start(received) == received
    # 1 h 01 min on Friday, 2 h 59 min on Monday.
    assert office.add(office.clock_start(received), 4 * H) == L(2026, 3, 16, 10, 59)


def test_exactly_at_cutoff_counts_from_next_business_day(office: BusinessCalendar) -> None:
    assert office.clock_start(L(2026, 3, 12, 15, 0)) == L(2026, 3, 13, 8, 0)
    assert office.clock_start(L(2026, 3, 12, 14, 59)) == L(2026, 3, 12, 14, 59)


def test_clock_start_before_opening_and_on_days_off(office: BusinessCalendar) -> None:
    assert office.clock_start(L(2026, 3, 16, 6, 45)) == L(2026, 3, 16, 8, 0)
    # Saturday morning, before the cut-off hour, is still not a business day.
    assert office.clock_start(L(2026, 3, 14, 10, 0)) == L(2026, 3, 16, 8, 0)
    # Easter Monday 10:00 → Tuesday 8:00.
    assert office.clock_start(L(2026, 4, 6, 10, 0)) == L(2026, 4, 7, 8, 0)
    # Friday 2 April 2026 after the cut-off → Tuesday 7 April (weekend + Easter Monday).
    assert office.clock_start(L(2026, 4, 3, 15, 10)) == L(2026, 4, 7, 8, 0)


def test_easter_monday_is_skipped(office: BusinessCalendar) -> None:
    # Fri 3 Apr 14:00 + 16 h: Fri 2 h, Mon 6 Apr holiday, Tue 8 h, Wed 6 h → Wed 14:00.
    start = L(2026, 4, 3, 14, 0)
    due = office.add(start, 16 * H)
    assert due == L(2026, 4, 8, 14, 0)
    assert office.between(start, due) == 16 * H
    assert office.closed_days_between(start, due) == [
        (date(2026, 4, 6), "Poniedziałek Wielkanocny")]
    assert office.closed_days_between(start, due, language="en_US") == [
        (date(2026, 4, 6), "Easter Monday")]


def test_eleventh_of_november_is_skipped(office: BusinessCalendar) -> None:
    # Tue 10 Nov 12:00 + 8 h: Tue 4 h, Wed 11 Nov holiday, Thu 4 h → Thu 12 Nov 12:00.
    start = L(2026, 11, 10, 12, 0)
    due = office.add(start, 8 * H)
    assert due == L(2026, 11, 12, 12, 0)
    assert office.explain(start, 8 * H) == [
        (U(2026, 11, 10, 11), U(2026, 11, 10, 15)),
        (U(2026, 11, 12, 7), U(2026, 11, 12, 11)),
    ]
    assert [d for d, _ in office.closed_days_between(start, due)] == [date(2026, 11, 11)]


def test_one_ticket_spanning_easter_monday_and_eleventh_of_november(
        office: BusinessCalendar) -> None:
    start = L(2026, 4, 3, 14, 0)
    due = L(2026, 11, 12, 12, 0)
    days = office.closed_days_between(start, due, language="en_US")
    assert [d for d, _ in days] == [date(2026, 4, 6), date(2026, 5, 1), date(2026, 6, 4),
                                    date(2026, 11, 11)]  # 3 May, 15 Aug, 1 Nov: weekend
    # Business days from Tue 7 Apr to Tue 10 Nov inclusive: 153 (weekdays) − 3 holidays.
    weekdays_count = sum(1 for n in range((date(2026, 11, 10) - date(2026, 4, 7)).days + 1)
                         if (date(2026, 4, 7) + timedelta(days=n)).weekday() < 5)
    expected = 2 * H + (weekdays_count - 2) * 8 * H + 4 * H  # −1 May, −4 June
    assert office.between(start, due) == expected
    assert office.add(start, expected) == due


def test_christmas_eve_from_2025(office: BusinessCalendar) -> None:
    # Wed 23 Dec 12:00 + 8 h: 24, 25 Dec (Thu, Fri) holidays → Mon 28 Dec 12:00.
    assert office.add(L(2026, 12, 23, 12), 8 * H) == L(2026, 12, 28, 12)


def test_across_new_year(office: BusinessCalendar) -> None:
    # Thu 31 Dec 2026 14:00 + 8 h: 2 h, 1 Jan holiday, Mon 4 Jan 6 h → 14:00.
    start = L(2026, 12, 31, 14)
    assert office.add(start, 8 * H) == L(2027, 1, 4, 14)
    assert office.between(start, L(2027, 1, 4, 14)) == 8 * H
    # A long span over several years is summed per year.
    assert office.between(L(2025, 12, 31, 16), L(2028, 1, 3, 8)) == office.between(
        L(2025, 12, 31, 16), L(2027, 1, 1)) + office.between(L(2027, 1, 1), L(2028, 1, 3, 8))


# ------------------------------------------------------------------ boundaries

def test_boundaries_at_window_start_and_end(office: BusinessCalendar) -> None:
    mon8, mon16 = L(2026, 3, 16, 8), L(2026, 3, 16, 16)
    assert office.next_open(mon8) == mon8
    assert office.add(mon8, timedelta(0)) == mon8
    assert office.add(mon8, 8 * H) == mon16  # ends at the window's end, not next morning
    assert office.add(L(2026, 3, 16, 12), 4 * H) == mon16
    assert office.next_open(mon16) == L(2026, 3, 17, 8)  # the end is not working time
    assert office.add(mon16, timedelta(0)) == L(2026, 3, 17, 8)
    assert office.add(mon16, US) == L(2026, 3, 17, 8) + US
    assert office.add(mon16 - US, US) == mon16
    assert office.add(mon16 - US, 2 * US) == L(2026, 3, 17, 8) + US
    assert office.between(mon8, mon16) == 8 * H
    assert office.between(mon16, L(2026, 3, 17, 8)) == timedelta(0)
    assert office.between(mon8 - H, mon8 + MIN) == MIN
    assert office.between(mon16 - MIN, mon16 + H) == MIN
    assert office.between(mon16, mon8) == timedelta(0)
    assert office.between(mon8, mon8) == timedelta(0)
    # Whole week (Mon 16 – Mon 23 March, no holidays) = 5 × 8 h.
    assert office.between(mon8, L(2026, 3, 23, 8)) == 40 * H


def test_weekend_start_counts_from_monday(office: BusinessCalendar) -> None:
    sat = L(2026, 3, 14, 11, 17)
    assert office.next_open(sat) == L(2026, 3, 16, 8)
    assert office.add(sat, 90 * MIN) == L(2026, 3, 16, 9, 30)
    assert office.explain(sat, 90 * MIN) == [(U(2026, 3, 16, 7), U(2026, 3, 16, 8, 30))]
    assert office.explain(sat, timedelta(0)) == []


def test_microseconds_are_exact(office: BusinessCalendar) -> None:
    start = L(2026, 3, 16, 15, 59) + timedelta(seconds=59, microseconds=999_990)
    due = office.add(start, timedelta(microseconds=25))
    assert due == L(2026, 3, 17, 8) + timedelta(microseconds=15)
    assert office.between(start, due) == timedelta(microseconds=25)


def test_inputs_in_other_zones_and_output_utc(office: BusinessCalendar) -> None:
    start = datetime(2026, 3, 16, 9, 0, tzinfo=WAW)  # aware, not UTC
    due = office.add(start, H)
    assert due == L(2026, 3, 16, 10) and due.tzinfo is UTC
    assert office.next_open(start).tzinfo is UTC


# ------------------------------------------------------------------ DST

def _sunday_night(start: time, end: time) -> BusinessCalendar:
    return BusinessCalendar(CalendarSpec(windows=(Window(SUN, start, end),),
                                         holiday_country=None))


def test_spring_forward_window_has_two_real_hours() -> None:
    cal = _sunday_night(time(1), time(4))
    night = L(2026, 3, 29)  # Sunday 29 March 2026 00:00 CET = Sat 23:00 UTC
    assert cal.between(night, night + 24 * H) == 2 * H
    assert cal.between(L(2026, 3, 22), L(2026, 3, 23)) == 3 * H  # the Sunday before
    assert cal.explain(night, 2 * H) == [(U(2026, 3, 29, 0), U(2026, 3, 29, 2))]
    assert cal.add(night, 2 * H) == U(2026, 3, 29, 2)  # 04:00 CEST
    assert cal.add(night, 2 * H + MIN) == U(2026, 4, 4, 23, 1)  # next Sunday 01:01 CEST


def test_fall_back_window_has_four_real_hours() -> None:
    cal = _sunday_night(time(1), time(4))
    night = L(2026, 10, 25)  # 00:00 CEST = Sat 22:00 UTC
    assert cal.between(night, night + 25 * H) == 4 * H  # 01:00 CEST → 04:00 CET
    assert cal.explain(night, 4 * H) == [(U(2026, 10, 24, 23), U(2026, 10, 25, 3))]
    assert cal.add(night, 3 * H) == U(2026, 10, 25, 2)  # 03:00 CET (after the repeat)


def test_boundaries_in_the_skipped_hour_move_to_the_transition() -> None:
    # 02:30 does not exist on 29 March: the window starts at 03:00 CEST = 01:00 UTC.
    cal = _sunday_night(time(2, 30), time(5))
    assert cal.explain(L(2026, 3, 28), 2 * H) == [(U(2026, 3, 29, 1), U(2026, 3, 29, 3))]
    # A window lying inside the skipped hour is empty that night only.
    inside = _sunday_night(time(2, 15), time(2, 45))
    assert inside.between(L(2026, 3, 29), L(2026, 3, 30)) == timedelta(0)
    assert inside.next_open(L(2026, 3, 28)) == L(2026, 4, 5, 2, 15)
    assert not inside.is_business_day(date(2026, 3, 29))
    assert inside.is_business_day(date(2026, 4, 5))


def test_ambiguous_boundaries_take_the_first_occurrence() -> None:
    # 02:30 happens twice on 25 October; the window starts at the first (CEST, 00:30
    # UTC) and runs to 05:00 CET (04:00 UTC): 3.5 real hours.
    cal = _sunday_night(time(2, 30), time(5))
    assert cal.explain(L(2026, 10, 24), 3 * H + 30 * MIN) == [
        (U(2026, 10, 25, 0, 30), U(2026, 10, 25, 4))]
    # A window ending at the ambiguous 02:30 ends at the first one as well: 1.5 h.
    early = _sunday_night(time(1), time(2, 30))
    assert early.between(L(2026, 10, 25), L(2026, 10, 26)) == 90 * MIN
    assert early.explain(L(2026, 10, 25), 90 * MIN) == [
        (U(2026, 10, 24, 23), U(2026, 10, 25, 0, 30))]


def test_office_hours_keep_local_time_across_dst(office: BusinessCalendar) -> None:
    # Fri 27 Mar 15:00 CET (14:00 UTC) + 2 h → Mon 30 Mar 09:00 CEST (07:00 UTC).
    assert office.add(L(2026, 3, 27, 15), 2 * H) == U(2026, 3, 30, 7)
    # Fri 23 Oct 15:00 CEST (13:00 UTC) + 2 h → Mon 26 Oct 09:00 CET (08:00 UTC).
    assert office.add(L(2026, 10, 23, 15), 2 * H) == U(2026, 10, 26, 8)


def test_full_day_windows_on_dst_days() -> None:
    cal = BusinessCalendar(CalendarSpec(windows=(Window(SUN, time(0), time(0)),),
                                        holiday_country=None))
    assert cal.between(U(2026, 3, 28), U(2026, 3, 30)) == 23 * H
    assert cal.between(U(2026, 10, 24), U(2026, 10, 26)) == 25 * H


# ------------------------------------------------------------------ midnight windows

@pytest.fixture(scope="module")
def night() -> BusinessCalendar:
    """Fri 22:00–Sat 06:00, Sat 06:00–10:00 (touching), Sun 22:00–Mon 02:00 (wraps)."""
    return BusinessCalendar(CalendarSpec(windows=(
        Window(FRI, time(22), time(6)), Window(SAT, time(6), time(10)),
        Window(SUN, time(22), time(2))), holiday_country=None,
        closed_dates=frozenset({date(2026, 3, 20)})))


def test_midnight_spanning_window(night: BusinessCalendar) -> None:
    assert night.add(L(2026, 3, 13, 23), 3 * H) == L(2026, 3, 14, 2)
    assert night.next_open(L(2026, 3, 14, 3)) == L(2026, 3, 14, 3)
    assert night.between(L(2026, 3, 13, 21), L(2026, 3, 14, 12)) == 12 * H
    # Fri 22:00 – Sat 10:00 is one stretch in the explain view.
    assert night.explain(L(2026, 3, 13, 12), 12 * H) == [
        (L(2026, 3, 13, 22), L(2026, 3, 14, 10))]
    # Sunday's window wraps into Monday morning (the week's end meets its start).
    assert night.add(L(2026, 3, 15, 23), 2 * H) == L(2026, 3, 16, 1)
    assert night.between(L(2026, 3, 16, 0), L(2026, 3, 16, 8)) == 2 * H


def test_closed_start_day_skips_the_whole_spanning_window(night: BusinessCalendar) -> None:
    # Friday 20 March is closed: its 22:00–06:00 window goes; Saturday's 06–10 stays.
    assert night.between(L(2026, 3, 20), L(2026, 3, 21, 12)) == 4 * H
    assert night.next_open(L(2026, 3, 20, 23)) == L(2026, 3, 21, 6)
    assert night.closed_days_between(L(2026, 3, 20), L(2026, 3, 21)) == [
        (date(2026, 3, 20), CUSTOM_CLOSURE)]


def test_holiday_on_the_next_day_does_not_cut_a_spanning_window() -> None:
    # Sat 31 Oct 2026 22:00 → Sun 1 Nov (All Saints' Day) 06:00 still counts.
    cal = BusinessCalendar(CalendarSpec(windows=(Window(SAT, time(22), time(6)),)))
    assert cal.between(L(2026, 10, 31), L(2026, 11, 2)) == 8 * H


# ------------------------------------------------------------------ 24/7, full days

def test_always_open_is_wall_clock_utc() -> None:
    cal = BusinessCalendar(CalendarSpec(always_open=True))  # PL holidays ignored
    start = U(2026, 11, 10, 12, 34)
    assert cal.add(start, 50 * H) == start + 50 * H
    assert cal.between(start, start + 50 * H) == 50 * H
    assert cal.between(U(2026, 3, 28), U(2026, 3, 30)) == 48 * H  # DST night: real hours
    assert cal.next_open(start) == start
    assert cal.clock_start(start) == start
    assert cal.explain(start, 3 * H) == [(start, start + 3 * H)]
    assert cal.closed_days_between(U(2026, 11, 1), U(2026, 11, 30)) == []


def test_always_open_with_cutoff_moves_to_next_local_midnight() -> None:
    cal = BusinessCalendar(CalendarSpec(always_open=True, cutoff=time(15)))
    assert cal.clock_start(L(2026, 3, 13, 15, 30)) == L(2026, 3, 14, 0)
    assert cal.clock_start(L(2026, 3, 13, 14, 30)) == L(2026, 3, 13, 14, 30)


def test_seven_full_day_windows_with_holidays() -> None:
    cal = BusinessCalendar(CalendarSpec(windows=tuple(
        Window(d, time(0), time(0)) for d in range(7))))
    assert cal.between(L(2026, 11, 10), L(2026, 11, 13)) == 48 * H  # 11 Nov closed
    assert cal.add(L(2026, 11, 10, 12), 24 * H) == L(2026, 11, 12, 12)
    # Touching days are merged in the explain view.
    assert cal.explain(L(2026, 3, 16, 6), 48 * H) == [(L(2026, 3, 16, 6), L(2026, 3, 18, 6))]


def test_window_ending_at_midnight() -> None:
    cal = BusinessCalendar(CalendarSpec(windows=(Window(MON, time(22), time(0)),
                                                 Window(TUE, time(0), time(2))),
                                        holiday_country=None))
    assert cal.explain(L(2026, 3, 16), 4 * H) == [(L(2026, 3, 16, 22), L(2026, 3, 17, 2))]


def test_custom_closed_date_moves_the_deadline() -> None:
    cal = BusinessCalendar(CalendarSpec(windows=OFFICE, cutoff=time(15),
                                        closed_dates=frozenset({date(2026, 3, 16)})))
    start = cal.clock_start(L(2026, 3, 13, 15, 30))
    assert start == L(2026, 3, 17, 8)
    assert cal.add(start, 4 * H) == L(2026, 3, 17, 12)
    assert not cal.is_business_day(date(2026, 3, 16))
    assert cal.closed_days_between(L(2026, 3, 13), L(2026, 3, 17)) == [
        (date(2026, 3, 16), CUSTOM_CLOSURE)]


def test_no_holidays_when_country_is_none() -> None:
    cal = BusinessCalendar(CalendarSpec(windows=OFFICE, holiday_country=None))
    assert cal.between(L(2026, 11, 11), L(2026, 11, 12)) == 8 * H


def test_other_time_zone() -> None:
    cal = BusinessCalendar(CalendarSpec(timezone="America/New_York", windows=OFFICE,
                                        holiday_country="US"))
    # 4 July 2025 is a Friday and a US holiday; New York is UTC−4 in summer:
    # Thu 15:00 EDT + 2 h = 1 h on Thursday + 1 h on Monday → Mon 09:00 EDT.
    assert cal.add(U(2025, 7, 3, 19), 2 * H) == U(2025, 7, 7, 13)


# ------------------------------------------------------------------ validation, misuse

@pytest.mark.parametrize(("spec", "key"), [
    (CalendarSpec(timezone="Mars/Olympus", windows=OFFICE), "calendar.timezone_invalid"),
    (CalendarSpec(timezone="", windows=OFFICE), "calendar.timezone_invalid"),
    (CalendarSpec(timezone="../etc/passwd", windows=OFFICE), "calendar.timezone_invalid"),
    (CalendarSpec(windows=OFFICE, holiday_country="XX"), "calendar.holiday_country_invalid"),
    (CalendarSpec(), "calendar.no_working_time"),
    (CalendarSpec(windows=(Window(7, time(8), time(16)),)), "calendar.weekday_invalid"),
    (CalendarSpec(windows=(Window(-1, time(8), time(16)),)), "calendar.weekday_invalid"),
    (CalendarSpec(windows=(Window(True, time(8), time(16)),)),  # type: ignore[arg-type]
     "calendar.weekday_invalid"),
    (CalendarSpec(windows=(Window(MON, time(8), time(8)),)), "calendar.window_empty"),
    (CalendarSpec(windows=(Window(MON, time(8), time(16)), Window(MON, time(15), time(17)))),
     "calendar.windows_overlap"),
    (CalendarSpec(windows=(Window(MON, time(8), time(16)), Window(MON, time(8), time(16)))),
     "calendar.windows_overlap"),
    (CalendarSpec(windows=(Window(MON, time(0), time(0)), Window(MON, time(8), time(9)))),
     "calendar.windows_overlap"),
    (CalendarSpec(windows=(Window(FRI, time(22), time(6)), Window(SAT, time(5), time(9)))),
     "calendar.windows_overlap"),
    (CalendarSpec(windows=(Window(SUN, time(22), time(6)), Window(MON, time(5), time(9)))),
     "calendar.windows_overlap"),
    (CalendarSpec(windows=(Window(THU, time(20), time(23)), Window(WED, time(12), time(21)),
                           Window(THU, time(22), time(2)))), "calendar.windows_overlap"),
])
def test_validation_errors(spec: CalendarSpec, key: str) -> None:
    with pytest.raises(Invalid) as err:
        validate(spec)
    assert err.value.key == key
    with pytest.raises(Invalid):
        BusinessCalendar(spec)


def test_empty_window_error_params() -> None:
    with pytest.raises(Invalid) as err:
        validate(CalendarSpec(windows=(Window(TUE, time(9, 30), time(9, 30)),)))
    assert err.value.params == {"weekday": TUE, "window": "09:30–09:30"}


def test_overlap_error_names_both_windows() -> None:
    with pytest.raises(Invalid) as err:
        validate(CalendarSpec(windows=(Window(FRI, time(22), time(6)),
                                       Window(SAT, time(5), time(9)))))
    assert err.value.params == {"weekday": FRI, "window": "22:00–06:00",
                                "other_weekday": SAT, "other": "05:00–09:00"}


@pytest.mark.parametrize("windows", [
    OFFICE,
    (Window(MON, time(8), time(12)), Window(MON, time(12), time(16))),  # touching
    (Window(FRI, time(22), time(6)), Window(SAT, time(6), time(10))),
    (Window(SUN, time(22), time(6)), Window(MON, time(6), time(10))),
    tuple(Window(d, time(0), time(0)) for d in range(7)),  # full days
    (Window(TUE, time(22), time(0)), Window(WED, time(0), time(1))),
])
def test_valid_specs(windows: tuple[Window, ...]) -> None:
    validate(CalendarSpec(windows=windows))


def test_always_open_needs_no_windows() -> None:
    validate(CalendarSpec(always_open=True))


def test_naive_datetimes_are_rejected(office: BusinessCalendar) -> None:
    naive = datetime(2026, 3, 16, 9)
    aware = U(2026, 3, 16, 9)
    calls = [
        lambda: office.add(naive, H), lambda: office.between(naive, aware),
        lambda: office.between(aware, naive), lambda: office.next_open(naive),
        lambda: office.clock_start(naive), lambda: office.explain(naive, H),
        lambda: office.closed_days_between(naive, aware),
        lambda: BusinessCalendar(CalendarSpec(always_open=True)).add(naive, H),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="naive"):
            call()


def test_negative_duration_and_out_of_range(office: BusinessCalendar) -> None:
    with pytest.raises(ValueError):
        office.add(U(2026, 3, 16, 9), -MIN)
    with pytest.raises(ValueError):
        office.next_open(U(9999, 6, 1))


def test_get_calendar_shares_one_instance_per_spec() -> None:
    a = get_calendar(CalendarSpec(windows=OFFICE, cutoff=time(15)))
    b = get_calendar(CalendarSpec(windows=OFFICE, cutoff=time(15)))
    assert a is b
    assert get_calendar(CalendarSpec(windows=OFFICE)) is not a


def test_is_business_day(office: BusinessCalendar) -> None:
    assert office.is_business_day(date(2026, 4, 7))
    assert not office.is_business_day(date(2026, 4, 6))  # Easter Monday
    assert not office.is_business_day(date(2026, 4, 4))  # Saturday
    assert not office.is_business_day(date(2026, 12, 24))  # from 2025 on
    assert office.is_business_day(date(2024, 12, 24))  # not yet a holiday then
    assert office.is_business_day(date(2026, 3, 16))


def test_day_start_is_local_midnight_in_utc(office: BusinessCalendar) -> None:
    # Warsaw is UTC+1 in March before the change and UTC+2 after it.
    assert office.day_start(date(2026, 3, 29)) == U(2026, 3, 28, 23)
    assert office.day_start(date(2026, 3, 30)) == U(2026, 3, 29, 22)
    # Santiago de Chile springs forward at midnight (24:00 −04 → 01:00 −03) on Sunday
    # 6 September 2026: that day starts at the transition, 04:00 UTC.
    chile = BusinessCalendar(CalendarSpec(timezone="America/Santiago", windows=OFFICE,
                                          holiday_country=None))
    assert chile.day_start(date(2026, 9, 6)) == U(2026, 9, 6, 4)
    assert chile.day_start(date(2026, 9, 7)) == U(2026, 9, 7, 3)
