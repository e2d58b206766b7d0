"""How SLA facts read: finished tickets' outcomes, business and wall durations (PL/EN)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from helpdesk_app.domain.calendars import CalendarSpec, Window, weekdays, working_day_minutes
from helpdesk_app.domain.sla_outcome import Outcome, outcome
from helpdesk_app.i18n import format_business_minutes, format_duration
from helpdesk_app.state.views import outcome_label

DUE = datetime(2026, 3, 16, 16, 0, tzinfo=UTC)


def test_finished_ticket_outcomes() -> None:
    assert outcome("breached", None, resolution_due_at=DUE) is None  # still open
    assert outcome("none", DUE) is None
    assert outcome("met", DUE) == Outcome("met")
    late = outcome("breached", DUE + timedelta(minutes=21), resolution_due_at=DUE)
    assert late == Outcome("late", "resolution", timedelta(minutes=21))
    # resolution in time, the first answer after the reaction deadline
    answered = outcome("breached", DUE, first_response_at=DUE - timedelta(minutes=50),
                       reaction_due_at=DUE - timedelta(minutes=60),
                       resolution_due_at=DUE + timedelta(hours=1))
    assert answered == Outcome("late", "reaction", timedelta(minutes=10))


def test_outcome_labels_pl_en() -> None:
    late = Outcome("late", "resolution", timedelta(minutes=21))
    assert outcome_label(late, "pl") == "rozwiązane 21 min po terminie"
    assert outcome_label(late, "en") == "resolved 21 mins late"
    assert outcome_label(Outcome("met"), "pl") == "dotrzymane"
    assert outcome_label(Outcome("met"), "en") == "met"
    assert outcome_label(Outcome("late"), "en") == "finished late"
    days = Outcome("late", "resolution", timedelta(days=2, hours=4, minutes=1))
    assert outcome_label(days, "pl") == "rozwiązane 2 dni 4 godz. 1 min po terminie"


def test_wall_durations() -> None:
    assert format_duration(timedelta(minutes=185), "pl") == "3 godz. 5 min"
    assert format_duration(timedelta(minutes=185), "en") == "3 hrs 5 mins"
    assert format_duration(timedelta(days=1), "pl") == "1 dzień"
    assert format_duration(timedelta(seconds=30), "en") == "0 mins"


def test_business_durations_pl_en() -> None:
    assert format_business_minutes(2400, "pl", 480) == "40 godz. (5 dni roboczych)"
    assert format_business_minutes(2400, "en", 480) == "40 hrs (5 working days)"
    assert format_business_minutes(960, "pl", 480) == "16 godz. (2 dni robocze)"
    assert format_business_minutes(480, "pl", 480) == "8 godz. (1 dzień roboczy)"
    assert format_business_minutes(90, "pl", 480) == "1 godz. 30 min"
    assert format_business_minutes(600, "en", 480) == "10 hrs"  # not whole days
    assert format_business_minutes(2400, "en") == "40 hrs"  # day length unknown
    assert format_business_minutes(15, "en", 480) == "15 mins"


def test_working_day_minutes() -> None:
    assert working_day_minutes(CalendarSpec(windows=weekdays(time(8), time(16)))) == 480
    assert working_day_minutes(CalendarSpec(always_open=True)) == 24 * 60
    uneven = (*weekdays(time(8), time(16), (0, 1, 2, 3)), Window(4, time(8), time(14)))
    assert working_day_minutes(CalendarSpec(windows=uneven)) is None
    split = (Window(0, time(8), time(12)), Window(0, time(13), time(17)))
    assert working_day_minutes(CalendarSpec(windows=split)) == 480
    assert working_day_minutes(CalendarSpec(windows=(Window(0, time(22), time(0)),))) == 120


def test_admin_target_input_minutes_or_hours() -> None:
    import pytest

    from helpdesk_app.domain.contracts import parse_minutes
    from helpdesk_app.domain.errors import Invalid

    assert parse_minutes("", "x") is None
    assert parse_minutes("90", "x") == 90
    assert parse_minutes("8h", "x") == 480
    assert parse_minutes("8 godz.", "x") == 480
    assert parse_minutes("1h30", "x") == 90
    assert parse_minutes("1h 30min", "x") == 90
    assert parse_minutes("45 min", "x") == 45
    for bad in ("abc", "2d", "1.5h", "-5", "h"):
        with pytest.raises(Invalid):
            parse_minutes(bad, "x")
