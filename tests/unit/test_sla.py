"""Hand-computed SLA cases for the pure core (domain/sla.py `compute`).

Calendar unless stated: Mon–Fri 8:00–16:00 Europe/Warsaw, Polish holidays, cut-off 15:00.
Dates (2026): Friday 13 March → Monday 16 March (CET, UTC+1); 11 November is a Wednesday;
Easter Monday is 6 April (CEST, UTC+2, DST began 29 March). All times below are Warsaw
wall-clock time (`L(...)`), compared as instants.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpdesk_app.domain.calendars import (
    CUSTOM_CLOSURE,
    BusinessCalendar,
    CalendarSpec,
    get_calendar,
    weekdays,
)
from helpdesk_app.domain.sla import (
    SlaInputs,
    Targets,
    compute,
    pause_periods,
    resolve_targets,
)
from helpdesk_app.models import Priority, SlaEffect

WAW = ZoneInfo("Europe/Warsaw")
H = timedelta(hours=1)
MIN = timedelta(minutes=1)
C, P, S = SlaEffect.COUNTS, SlaEffect.PAUSES, SlaEffect.STOPS


def L(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """Warsaw wall-clock time as a UTC instant."""
    return datetime(y, m, d, hh, mm, tzinfo=WAW).astimezone(UTC)


@pytest.fixture(scope="module")
def office() -> BusinessCalendar:
    return get_calendar(CalendarSpec(windows=weekdays(time(8), time(16)), cutoff=time(15)))


@pytest.fixture(scope="module")
def no_cutoff() -> BusinessCalendar:
    return get_calendar(CalendarSpec(windows=weekdays(time(8), time(16))))


def inputs(cal: BusinessCalendar, received: datetime, *changes: tuple[datetime, str],
           reaction: timedelta | None = None, resolution: timedelta | None = None,
           response: datetime | None = None, warning: int | None = 75) -> SlaInputs:
    return SlaInputs(received_at=received, calendar=cal,
                     transitions=[(received, C), *changes], reaction=reaction,
                     resolution=resolution, warning_percent=warning, first_response_at=response)


# ------------------------------------------------------------------ the cases

def test_friday_after_cutoff_four_hours_due_monday_noon(office: BusinessCalendar) -> None:
    received = L(2026, 3, 13, 15, 30)
    r = compute(inputs(office, received, resolution=4 * H), now=L(2026, 3, 14, 10))
    assert r.resolution_due_at == L(2026, 3, 16, 12)
    assert r.resolution_due_at == datetime(2026, 3, 16, 11, tzinfo=UTC)
    assert r.state == "running"
    assert r.minutes_used == 0  # Saturday: nothing counted yet
    assert r.explain.clock_start == L(2026, 3, 16, 8)
    assert r.explain.cutoff_applied is True
    assert r.explain.cutoff == time(15)
    # Warning at 75 % = 3 business hours = Monday 11:00; that is the next check.
    assert r.next_check_at == L(2026, 3, 16, 11)


def test_before_cutoff_counts_from_receipt(office: BusinessCalendar) -> None:
    r = compute(inputs(office, L(2026, 3, 13, 14, 30), resolution=4 * H),
                now=L(2026, 3, 13, 14, 30))
    assert r.explain.cutoff_applied is False
    # 14:30–16:00 = 1.5 h, then Monday 8:00 + 2.5 h.
    assert r.resolution_due_at == L(2026, 3, 16, 10, 30)


def test_spanning_independence_day(no_cutoff: BusinessCalendar) -> None:
    # Tue 10 Nov 14:00, 16 business hours: Tue 14–16 (2), Wed 11 Nov holiday,
    # Thu 8–16 (10), Fri 8–14 (16) → Friday 13 November 14:00.
    r = compute(inputs(no_cutoff, L(2026, 11, 10, 14), resolution=16 * H),
                now=L(2026, 11, 10, 15))
    assert r.resolution_due_at == L(2026, 11, 13, 14)
    assert r.minutes_used == 60
    assert [d for d, _ in r.explain.closed_days] == [date(2026, 11, 11)]
    assert "Niepodległości" in r.explain.closed_days[0][1]
    # What is left to use, window by window: Tue 15–16, Thu 8–16, Fri 8–14.
    assert r.explain.remaining_windows == (
        (L(2026, 11, 10, 15), L(2026, 11, 10, 16)),
        (L(2026, 11, 12, 8), L(2026, 11, 12, 16)),
        (L(2026, 11, 13, 8), L(2026, 11, 13, 14)),
    )


def test_spanning_easter_monday(no_cutoff: BusinessCalendar) -> None:
    # Thu 2 Apr 10:00, 24 business hours: Thu 10–16 (6), Good Friday is a working day
    # 8–16 (14), Mon 6 Apr Easter Monday closed, Tue 8–16 (22), Wed 8–10 → 8 Apr 10:00.
    r = compute(inputs(no_cutoff, L(2026, 4, 2, 10), resolution=24 * H),
                now=L(2026, 4, 2, 10))
    assert r.resolution_due_at == L(2026, 4, 8, 10)
    assert r.resolution_due_at == datetime(2026, 4, 8, 8, tzinfo=UTC)  # CEST
    assert [d for d, _ in r.explain.closed_days] == [date(2026, 4, 6)]


def test_custom_closure_shows_in_explain() -> None:
    cal = get_calendar(CalendarSpec(windows=weekdays(time(8), time(16)),
                                    closed_dates=frozenset({date(2026, 3, 17)})))
    r = compute(inputs(cal, L(2026, 3, 16, 12), resolution=8 * H), now=L(2026, 3, 16, 12))
    # Mon 12–16 (4), Tue 17 closed, Wed 8–12 (8).
    assert r.resolution_due_at == L(2026, 3, 18, 12)
    assert r.explain.closed_days == ((date(2026, 3, 17), CUSTOM_CLOSURE),)


# ------------------------------------------------------------------ pauses and reopen

PAUSE_TWICE = (
    (L(2026, 3, 16, 10), P), (L(2026, 3, 16, 11), C),
    (L(2026, 3, 16, 12), P), (L(2026, 3, 16, 14), C),
)


def test_pausing_twice_then_resuming(no_cutoff: BusinessCalendar) -> None:
    # Received Mon 16 Mar 9:00, 8 h. Counts 9–10 and 11–12 (2 h), resumes at 14:00 with
    # 6 h left: Mon 14–16 (2) + Tue 8–12 (4) → Tue 17 March 12:00.
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9), *PAUSE_TWICE, resolution=8 * H),
                now=L(2026, 3, 16, 14, 30))
    assert r.state == "running"
    assert r.resolution_due_at == L(2026, 3, 17, 12)
    assert r.minutes_used == 150
    assert r.paused_since is None
    assert r.explain.pauses == ((L(2026, 3, 16, 10), L(2026, 3, 16, 11)),
                                (L(2026, 3, 16, 12), L(2026, 3, 16, 14)))
    assert [s.counted for s in r.explain.segments] == [H, 0 * H, H, 0 * H, 30 * MIN]
    # Warning at 75 % = 6 h used; 2.5 h used by 14:30, so 3.5 h later:
    # 14:30–16:00 (1.5) + Tue 8–10 (2) → Tue 10:00.
    assert r.next_check_at == L(2026, 3, 17, 10)


def test_pause_periods_are_wall_clock_and_need_no_calendar() -> None:
    # Twice paused, the second time still now; a repeated pausing status is one period;
    # a change after `now` is not history yet.
    received = L(2026, 3, 16, 9)
    history = [(received, C), *PAUSE_TWICE[:2], (L(2026, 3, 16, 12), P),
               (L(2026, 3, 16, 13), P), (L(2026, 3, 16, 18), C)]
    now = L(2026, 3, 16, 15)
    got = pause_periods(SlaInputs(received_at=received, calendar=None, transitions=history),
                        now)
    assert got == ((L(2026, 3, 16, 10), L(2026, 3, 16, 11)), (L(2026, 3, 16, 12), None))
    never = SlaInputs(received_at=received, calendar=None, transitions=[(received, C)])
    assert pause_periods(never, now) == ()


def test_while_paused_due_is_undefined(no_cutoff: BusinessCalendar) -> None:
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9), *PAUSE_TWICE, resolution=8 * H),
                now=L(2026, 3, 16, 13))
    assert r.state == "paused"
    assert r.resolution_due_at is None
    assert r.paused_since == L(2026, 3, 16, 12)
    assert r.remaining == 6 * H
    assert r.minutes_used == 120
    assert r.next_check_at is None
    assert r.explain.pauses[-1] == (L(2026, 3, 16, 12), None)


def test_paused_over_night_does_not_count(no_cutoff: BusinessCalendar) -> None:
    # Paused Mon 15:00 – Wed 9:00: Tue does not count at all.
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9),
                       (L(2026, 3, 16, 15), P), (L(2026, 3, 18, 9), C), resolution=8 * H),
                now=L(2026, 3, 18, 9))
    assert r.minutes_used == 6 * 60
    assert r.resolution_due_at == L(2026, 3, 18, 11)


def test_reopen_after_resolve_continues_clock(no_cutoff: BusinessCalendar) -> None:
    received = L(2026, 3, 16, 9)
    resolved = (L(2026, 3, 16, 11), S)
    closed = (L(2026, 3, 16, 12), S)
    reopened = (L(2026, 3, 17, 9), C)
    # While resolved (then closed): met, resolved_at is the first stopping entry.
    r = compute(inputs(no_cutoff, received, resolved, closed, resolution=8 * H),
                now=L(2026, 3, 16, 15))
    assert r.state == "met"
    assert r.resolved_at == L(2026, 3, 16, 11)
    assert r.minutes_used == 120
    assert r.next_check_at is None
    assert r.resolution_due_at == L(2026, 3, 17, 9)  # as it stood: 11:00 + 6 h
    # Reopened Tuesday 9:00: 2 h used, the stopped time does not count → due 9:00 + 6 h.
    r = compute(inputs(no_cutoff, received, resolved, closed, reopened, resolution=8 * H),
                now=L(2026, 3, 17, 10))
    assert r.state == "running"
    assert r.resolved_at is None
    assert r.minutes_used == 180
    assert r.resolution_due_at == L(2026, 3, 17, 15)
    # Resolved again at 10:00: resolved_at is the new resolution.
    again = (L(2026, 3, 17, 10), S)
    r = compute(inputs(no_cutoff, received, resolved, closed, reopened, again,
                       resolution=8 * H), now=L(2026, 3, 17, 12))
    assert r.state == "met"
    assert r.resolved_at == L(2026, 3, 17, 10)
    assert r.minutes_used == 180


def test_resolved_late_is_breached(no_cutoff: BusinessCalendar) -> None:
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9), (L(2026, 3, 16, 11, 30), S),
                       resolution=2 * H), now=L(2026, 3, 18, 9))
    assert r.state == "breached"
    assert r.breached_clock == "resolution"
    assert r.resolution_due_at == L(2026, 3, 16, 11)
    assert r.resolved_at == L(2026, 3, 16, 11, 30)
    assert r.minutes_used == 150
    assert r.next_check_at is None


@pytest.mark.parametrize("minute", [59, 60])
def test_resolved_on_time_is_met(no_cutoff: BusinessCalendar, minute: int) -> None:
    resolved = L(2026, 3, 16, 10) + minute * MIN  # 10:59, and exactly at the due 11:00
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9), (resolved, S), resolution=2 * H),
                now=L(2026, 3, 18, 9))
    assert r.state == "met"
    assert r.breached_clock is None
    assert r.resolution.state == "met"


def test_resolved_after_hours_past_due_instant_is_breached(no_cutoff: BusinessCalendar) -> None:
    # Due Monday 16:00 (8 h from 8:00); resolved 16:30 uses no more business time, but
    # the deadline people saw was 16:00.
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 8), (L(2026, 3, 16, 16, 30), S),
                       resolution=8 * H), now=L(2026, 3, 17, 9))
    assert r.minutes_used == 480
    assert r.state == "breached"


def test_breach_stays_when_paused_afterwards(no_cutoff: BusinessCalendar) -> None:
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9), (L(2026, 3, 16, 12), P),
                       resolution=2 * H), now=L(2026, 3, 17, 9))
    assert r.state == "breached"
    assert r.resolution_due_at == L(2026, 3, 16, 11)
    assert r.paused_since == L(2026, 3, 16, 12)


def test_running_breach_at_the_due_instant(no_cutoff: BusinessCalendar) -> None:
    i = inputs(no_cutoff, L(2026, 3, 16, 9), resolution=2 * H, warning=None)
    assert compute(i, L(2026, 3, 16, 10, 59)).state == "running"
    r = compute(i, L(2026, 3, 16, 11))
    assert r.state == "breached"
    assert r.next_check_at is None


# ------------------------------------------------------------------ reaction clock

def test_reaction_met_by_public_agent_response(no_cutoff: BusinessCalendar) -> None:
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9), reaction=H, resolution=8 * H,
                       response=L(2026, 3, 16, 9, 30)), now=L(2026, 3, 16, 12))
    assert r.reaction.state == "met"
    assert r.reaction_due_at == L(2026, 3, 16, 10)
    assert r.first_response_at == L(2026, 3, 16, 9, 30)
    assert r.state == "running"
    # Only the resolution clock is left: warning at 6 h → 15:00.
    assert r.next_check_at == L(2026, 3, 16, 15)


def test_reaction_breached_without_response(no_cutoff: BusinessCalendar) -> None:
    i = inputs(no_cutoff, L(2026, 3, 16, 9), reaction=H, resolution=8 * H)
    r = compute(i, L(2026, 3, 16, 9, 44))
    assert (r.state, r.next_check_at) == ("running", L(2026, 3, 16, 9, 45))
    r = compute(i, L(2026, 3, 16, 9, 45))
    assert (r.state, r.next_check_at) == ("warning", L(2026, 3, 16, 10))
    r = compute(i, L(2026, 3, 16, 10, 1))
    assert r.state == "breached"
    assert r.breached_clock == "reaction"
    assert r.reaction.state == "breached"
    assert r.resolution.state == "running"
    # The scheduler still has the resolution warning (9:00 + 6 h) to report.
    assert r.next_check_at == L(2026, 3, 16, 15)


def test_late_response_keeps_reaction_breach(no_cutoff: BusinessCalendar) -> None:
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9), reaction=H,
                       response=L(2026, 3, 16, 10, 30)), now=L(2026, 3, 16, 11))
    assert r.state == "breached"
    assert r.breached_clock == "reaction"


def test_reaction_paused_with_the_ticket(no_cutoff: BusinessCalendar) -> None:
    # Pending 9:30–11:00: the 1 h reaction target is due at 11:30.
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9), (L(2026, 3, 16, 9, 30), P),
                       (L(2026, 3, 16, 11), C), reaction=H), now=L(2026, 3, 16, 11))
    assert r.reaction_due_at == L(2026, 3, 16, 11, 30)


def test_response_after_cutoff_before_clock_start(office: BusinessCalendar) -> None:
    r = compute(inputs(office, L(2026, 3, 13, 15, 30), reaction=H,
                       response=L(2026, 3, 13, 15, 45)), now=L(2026, 3, 14, 10))
    assert r.state == "met"
    assert r.reaction.used == timedelta(0)
    assert r.reaction_due_at == L(2026, 3, 16, 9)


def test_both_clocks_breached_names_the_first(no_cutoff: BusinessCalendar) -> None:
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9), reaction=H, resolution=2 * H),
                now=L(2026, 3, 16, 12))
    assert r.breached_clock == "reaction"
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9), reaction=3 * H, resolution=2 * H),
                now=L(2026, 3, 16, 13))
    assert r.breached_clock == "resolution"


# ------------------------------------------------------------------ warning, next check

def test_warning_at_75_percent_and_next_check(no_cutoff: BusinessCalendar) -> None:
    i = inputs(no_cutoff, L(2026, 3, 16, 9), resolution=4 * H)
    r = compute(i, L(2026, 3, 16, 11, 59))
    assert (r.state, r.next_check_at) == ("running", L(2026, 3, 16, 12))
    assert r.resolution.warning_at == L(2026, 3, 16, 12)
    r = compute(i, L(2026, 3, 16, 12))
    assert (r.state, r.next_check_at) == ("warning", L(2026, 3, 16, 13))
    r = compute(i, L(2026, 3, 16, 13))
    assert (r.state, r.next_check_at) == ("breached", None)


def test_warning_point_moves_over_the_night(no_cutoff: BusinessCalendar) -> None:
    # 8 h from Mon 14:00 → due Tue 14:00; 75 % = 6 h → Tue 12:00.
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 14), resolution=8 * H),
                now=L(2026, 3, 16, 20))
    assert r.next_check_at == L(2026, 3, 17, 12)
    assert r.resolution_due_at == L(2026, 3, 17, 14)


@pytest.mark.parametrize("percent", [None, 0, 100, 150])
def test_no_warning_outside_1_to_99(no_cutoff: BusinessCalendar, percent: int | None) -> None:
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9), resolution=4 * H, warning=percent),
                now=L(2026, 3, 16, 12, 30))
    assert r.state == "running"
    assert r.next_check_at == L(2026, 3, 16, 13)


# ------------------------------------------------------------------ targets

def test_per_priority_targets() -> None:
    overrides = {Priority.URGENT: (15, 120), Priority.LOW: (None, 2400)}
    assert resolve_targets(60, 480, 75, Priority.URGENT, overrides) == Targets(
        15 * MIN, 2 * H, 75)
    # None in an override inherits the type's value.
    assert resolve_targets(60, 480, 75, Priority.LOW, overrides) == Targets(H, 40 * H, 75)
    assert resolve_targets(60, 480, 80, Priority.NORMAL, overrides) == Targets(H, 8 * H, 80)
    assert resolve_targets(0, None, 75, Priority.NORMAL) == Targets(None, None, 75)


def test_priority_change_recomputes_from_history(no_cutoff: BusinessCalendar) -> None:
    overrides = {Priority.URGENT: (None, 120)}
    history = dict(received_at=L(2026, 3, 16, 9), calendar=no_cutoff,
                   transitions=[(L(2026, 3, 16, 9), C), (L(2026, 3, 16, 10), P),
                                (L(2026, 3, 16, 12), C)])
    normal = SlaInputs.with_targets(resolve_targets(None, 480, 75, Priority.NORMAL, overrides),
                                    **history)
    urgent = SlaInputs.with_targets(resolve_targets(None, 480, 75, Priority.URGENT, overrides),
                                    **history)
    now = L(2026, 3, 16, 12, 30)
    assert compute(normal, now).resolution_due_at == L(2026, 3, 17, 11)  # 12:00 + 7 h
    r = compute(urgent, now)
    assert r.resolution_due_at == L(2026, 3, 16, 13)  # 12:00 + 1 h
    assert r.state == "warning"  # 1.5 h of 2 h used


def test_no_targets_state_none(no_cutoff: BusinessCalendar) -> None:
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9)), now=L(2026, 3, 16, 12))
    assert r.state == "none"
    assert (r.reaction_due_at, r.resolution_due_at, r.next_check_at) == (None, None, None)
    assert r.minutes_used == 180  # still measured: there is a calendar
    assert compute(inputs(no_cutoff, L(2026, 3, 16, 9), resolution=timedelta(0)),
                   now=L(2026, 3, 16, 12)).state == "none"


def test_no_calendar_state_none() -> None:
    r = compute(SlaInputs(received_at=L(2026, 3, 16, 9), calendar=None,
                          transitions=[(L(2026, 3, 16, 9), C), (L(2026, 3, 16, 10), S)],
                          resolution=4 * H, first_response_at=L(2026, 3, 16, 9, 30)),
                now=L(2026, 3, 16, 12))
    assert r.state == "none"
    assert r.resolution_due_at is None
    # Facts from the history are still reported.
    assert r.resolved_at == L(2026, 3, 16, 10)
    assert r.first_response_at == L(2026, 3, 16, 9, 30)


def test_reaction_only_target_met_once_answered(no_cutoff: BusinessCalendar) -> None:
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9), reaction=H,
                       response=L(2026, 3, 16, 9, 10)), now=L(2026, 3, 16, 12))
    assert r.state == "met"
    assert r.resolution_due_at is None


# ------------------------------------------------------------------ recompute (GLPI bug)

def test_calendar_change_recomputes_including_pauses(no_cutoff: BusinessCalendar) -> None:
    """The same history under another contract's calendar: pauses still don't count."""
    history = ((L(2026, 3, 16, 10), P), (L(2026, 3, 16, 11), C),
               (L(2026, 3, 16, 12), P), (L(2026, 3, 16, 14), C))
    long_day = get_calendar(CalendarSpec(windows=weekdays(time(7), time(19))))
    now = L(2026, 3, 16, 15)
    a = compute(inputs(no_cutoff, L(2026, 3, 16, 9), *history, resolution=8 * H), now)
    b = compute(inputs(long_day, L(2026, 3, 16, 9), *history, resolution=8 * H), now)
    # 8–16: used 9–10, 11–12, 14–15 = 3 h; 5 h left from 15:00: 15–16 + Tue 8–12.
    assert a.resolution_due_at == L(2026, 3, 17, 12)
    # 7–19: same 3 h used; 5 h left from 15:00: 15–19 + Tue 7–8 → Tue 8:00.
    assert b.minutes_used == 180
    assert b.resolution_due_at == L(2026, 3, 17, 8)
    # What GLPI does (restart from receipt, pauses forgotten) would be 9:00 + 8 h = 17:00.
    assert b.resolution_due_at != long_day.add(L(2026, 3, 16, 9), 8 * H)
    # And back to the first calendar gives the first answer again: nothing is carried.
    assert compute(inputs(no_cutoff, L(2026, 3, 16, 9), *history, resolution=8 * H),
                   now) == a


def test_24_7_counts_wall_clock_time_minus_pauses() -> None:
    cal = get_calendar(CalendarSpec(always_open=True, cutoff=time(15)))
    r = compute(inputs(cal, L(2026, 3, 13, 14), (L(2026, 3, 13, 20), P),
                       (L(2026, 3, 14, 2), C), resolution=24 * H), now=L(2026, 3, 14, 2))
    # 14:00–20:00 (6 h), paused 6 h, 18 h left from Sat 02:00 → Sat 20:00.
    assert r.resolution_due_at == L(2026, 3, 14, 20)


# ------------------------------------------------------------------ unhappy paths

def test_naive_datetimes_are_refused(no_cutoff: BusinessCalendar) -> None:
    with pytest.raises(ValueError):
        compute(inputs(no_cutoff, L(2026, 3, 16, 9), resolution=H), datetime(2026, 3, 16, 12))
    with pytest.raises(ValueError):
        compute(SlaInputs(received_at=datetime(2026, 3, 16, 9), calendar=no_cutoff,
                          resolution=H), L(2026, 3, 16, 12))


def test_unknown_effect_is_refused(no_cutoff: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="unknown SLA effect"):
        compute(inputs(no_cutoff, L(2026, 3, 16, 9), (L(2026, 3, 16, 10), "resolved"),
                       resolution=H), L(2026, 3, 16, 12))


def test_target_must_be_timedelta(no_cutoff: BusinessCalendar) -> None:
    with pytest.raises(TypeError):
        compute(SlaInputs(received_at=L(2026, 3, 16, 9), calendar=no_cutoff,
                          resolution=240), L(2026, 3, 16, 12))  # type: ignore[arg-type]


def test_history_after_now_is_ignored(no_cutoff: BusinessCalendar) -> None:
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9), (L(2026, 3, 16, 13), S), reaction=H,
                       resolution=8 * H, response=L(2026, 3, 16, 12)), L(2026, 3, 16, 9, 30))
    assert r.state == "running"
    assert r.resolved_at is None
    assert r.first_response_at is None


def test_unsorted_and_simultaneous_transitions(no_cutoff: BusinessCalendar) -> None:
    # Given out of order; two changes at 10:00 — the later in the list wins (counts).
    r = compute(inputs(no_cutoff, L(2026, 3, 16, 9), (L(2026, 3, 16, 11), P),
                       (L(2026, 3, 16, 10), P), (L(2026, 3, 16, 10), C), resolution=8 * H),
                L(2026, 3, 16, 12))
    assert r.state == "paused"
    assert r.paused_since == L(2026, 3, 16, 11)
    assert r.minutes_used == 120


def test_empty_history_counts_from_receipt(no_cutoff: BusinessCalendar) -> None:
    r = compute(SlaInputs(received_at=L(2026, 3, 16, 9), calendar=no_cutoff,
                          resolution=2 * H), L(2026, 3, 16, 10))
    assert r.minutes_used == 60
    assert r.resolution_due_at == L(2026, 3, 16, 11)


def test_explain_can_be_skipped(no_cutoff: BusinessCalendar) -> None:
    i = inputs(no_cutoff, L(2026, 3, 16, 9), resolution=2 * H)
    fast = compute(i, L(2026, 3, 16, 10), explain=False)
    assert fast.explain is None
    assert fast == compute(i, L(2026, 3, 16, 10))  # explain is not part of equality
