"""Work time as people type it: durations, clock times, spans past midnight and across
the clock changes, in the person's own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from helpdesk_app.domain import worktime_parsing as p
from helpdesk_app.domain.errors import Invalid

WARSAW = "Europe/Warsaw"


@pytest.mark.parametrize(("text", "seconds"), [
    ("1:30", 5400), ("0:45", 2700), ("90", 5400), ("1,5h", 5400), ("1.5 h", 5400),
    ("1h 30m", 5400), ("1h30min", 5400), ("45 min", 2700), ("2 godz", 7200),
    ("2 hours", 7200), ("24:00", 86400), ("1", 60),
])
def test_durations_in_the_usual_spellings(text, seconds):
    assert p.parse_duration(text) == seconds


@pytest.mark.parametrize(("text", "key"), [
    ("", "worktime.duration_required"), ("abc", "worktime.duration_invalid"),
    ("1:75", "worktime.duration_invalid"), ("1.5", "worktime.duration_invalid"),
    ("0", "worktime.duration_range"), ("25h", "worktime.duration_range"),
    ("24:01", "worktime.duration_range"),
])
def test_bad_durations_say_what_to_write(text, key):
    with pytest.raises(Invalid) as e:
        p.parse_duration(text)
    assert e.value.key == key


def test_clock_times():
    assert p.parse_clock("8:05") == time(8, 5)
    assert p.parse_clock("08.05") == time(8, 5)
    for bad in ("24:00", "8:60", "8", ""):
        with pytest.raises(Invalid):
            p.parse_clock(bad)


def test_a_span_in_the_persons_zone_is_stored_in_utc():
    start, end = p.span(date(2026, 7, 1), "8:00", "9:30", WARSAW)  # CEST, UTC+2
    assert (start, end) == (datetime(2026, 7, 1, 6, 0, tzinfo=UTC),
                            datetime(2026, 7, 1, 7, 30, tzinfo=UTC))


def test_an_end_before_the_start_runs_past_midnight():
    start, end = p.span(date(2026, 1, 13), "22:00", "2:00", WARSAW)  # CET, UTC+1
    assert (start, end) == (datetime(2026, 1, 13, 21, 0, tzinfo=UTC),
                            datetime(2026, 1, 14, 1, 0, tzinfo=UTC))


def test_spans_across_the_clock_changes_hold_their_real_length():
    spring = p.span(date(2026, 3, 29), "0:00", "4:00", WARSAW)
    autumn = p.span(date(2026, 10, 25), "0:00", "4:00", WARSAW)
    assert (spring[1] - spring[0]).total_seconds() == 3 * 3600
    assert (autumn[1] - autumn[0]).total_seconds() == 5 * 3600


def test_a_time_the_spring_change_skips_is_refused():
    with pytest.raises(Invalid) as e:
        p.span(date(2026, 3, 29), "2:30", "5:00", WARSAW)
    assert e.value.key == "worktime.time_nonexistent"


def test_the_local_date_of_an_instant():
    assert p.local_date(datetime(2026, 1, 13, 23, 30, tzinfo=UTC), WARSAW) == date(2026, 1, 14)
