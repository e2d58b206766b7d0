"""The work timer (issue 14) with a controlled clock: start, pause, resume, stop into one
entry with its spans; one timer per person (starting elsewhere stops it); two tabs racing;
a forgotten timer capped once by the sweep or on the next look."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from helpdesk_app.config import get_settings
from helpdesk_app.domain import worktime
from helpdesk_app.domain import worktime_timer as timer
from helpdesk_app.domain.errors import Conflict, Forbidden, Invalid, NotFound
from helpdesk_app.domain.worktime import EntryForm
from helpdesk_app.live.bus import TIMER_CHANGE, timer_topic
from helpdesk_app.models import AuditEvent, WorkEntry, WorkTimer

T0 = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)  # 8:00 in Warsaw
MIN = timedelta(minutes=1)


def _cap_hours(monkeypatch, hours: int) -> None:
    monkeypatch.setenv("POMOCNIK_TIMER_CAP_HOURS", str(hours))
    get_settings.cache_clear()  # the fixture that set up the environment clears it after


@pytest.fixture
def two(db, world, make):
    coord = world.actor("coordinator")
    return [make.ticket(coord, s, requester=world.users["client"]) for s in ("A", "B")]


def test_start_pause_resume_stop_writes_one_entry_with_its_spans(db, world, two, changes):
    tech = world.actor("technician")
    timer.start(db, tech, two[0].id, now=T0)
    assert [c.kind for c in changes] == [TIMER_CHANGE]
    assert changes[0].topics == (timer_topic(tech.user_id),)
    view = timer.current(db, tech, T0 + 10 * MIN)
    assert view.running and view.number == two[0].number
    assert view.seconds_at(T0 + 10 * MIN) == 600
    timer.pause(db, tech, now=T0 + 20 * MIN)
    paused = timer.current(db, tech, T0 + 50 * MIN)
    assert not paused.running and paused.seconds_at(T0 + 50 * MIN) == 1200
    timer.start(db, tech, two[0].id, now=T0 + 60 * MIN)  # resume
    entry_id = timer.stop(db, tech, now=T0 + 70 * MIN)
    e = db.get(WorkEntry, entry_id)
    assert (e.seconds, e.started_at, e.ended_at) == (1800, T0, T0 + 70 * MIN)
    assert e.spans == [[T0.isoformat(), (T0 + 20 * MIN).isoformat()],
                       [(T0 + 60 * MIN).isoformat(), (T0 + 70 * MIN).isoformat()]]
    assert timer.current(db, tech, T0 + 71 * MIN) is None
    with pytest.raises(Invalid):
        timer.pause(db, tech, now=T0 + 72 * MIN)


def test_describing_a_stopped_timer_keeps_its_exact_time_and_spans(db, world, two):
    """The page fills the entry's times in to the minute; saving them unchanged with a
    description must not round the timer's 25 min 10 s up to 26 min (10:20:50-10:46:00)
    nor count its pause as work; a changed end time is what the person says now."""
    tech = world.actor("technician")
    start = T0 + 20 * MIN + timedelta(seconds=50)
    timer.start(db, tech, two[0].id, now=start)
    timer.pause(db, tech, now=start + 10 * MIN)
    timer.start(db, tech, two[0].id, now=start + 20 * MIN)
    entry_id = timer.stop(db, tech, now=start + 35 * MIN + timedelta(seconds=10))
    e = db.get(WorkEntry, entry_id)
    spans, worked = list(e.spans), 25 * 60 + 10
    assert e.seconds == worked
    as_filled = EntryForm(day="01.07.2026", start="8:20", end="8:56",
                          description="Wymiana tonera")
    worktime.edit_entry(db, tech, entry_id, as_filled, now=T0 + 2 * 60 * MIN)
    db.refresh(e)
    assert (e.seconds, e.spans, e.description) == (worked, spans, "Wymiana tonera")
    worktime.edit_entry(db, tech, entry_id, replace(as_filled, end="8:50"),
                        now=T0 + 2 * 60 * MIN)
    db.refresh(e)
    assert (e.seconds, e.spans) == (30 * 60, None)


def test_starting_on_another_ticket_stops_the_first_and_logs_it(db, world, two):
    tech = world.actor("technician")
    timer.start(db, tech, two[0].id, now=T0)
    written = timer.start(db, tech, two[1].id, now=T0 + 30 * MIN)
    assert db.get(WorkEntry, written).ticket_id == two[0].id
    assert timer.current(db, tech, T0 + 31 * MIN).ticket_id == two[1].id
    assert len(db.exec(select(WorkTimer)).all()) == 1


def test_under_a_minute_logs_nothing_and_discard_throws_it_away(db, world, two):
    tech = world.actor("technician")
    timer.start(db, tech, two[0].id, now=T0)
    assert timer.stop(db, tech, now=T0 + timedelta(seconds=59)) is None
    timer.start(db, tech, two[0].id, now=T0)
    timer.discard(db, tech)
    assert db.exec(select(WorkEntry)).all() == [] and timer.current(db, tech) is None


def test_two_tabs_stopping_at_once_write_one_entry(engine, db, world, two):
    tech = world.actor("technician")
    timer.start(db, tech, two[0].id, now=T0)
    with Session(engine) as tab1, Session(engine) as tab2:
        seen1 = tab1.get(WorkTimer, tech.user_id)
        seen2 = tab2.get(WorkTimer, tech.user_id)
        assert seen1 and seen2
        timer._stop(tab1, tech, seen1, T0 + 30 * MIN)
        tab1.commit()
        with pytest.raises(Conflict):
            timer._stop(tab2, tech, seen2, T0 + 31 * MIN)
    assert len(db.exec(select(WorkEntry)).all()) == 1


def test_a_ticket_the_person_may_not_work_on_cannot_be_timed(db, world, two, make):
    with pytest.raises(Forbidden):  # the requester sees it, but logs no work on it
        timer.start(db, world.actor("client"), two[0].id, now=T0)
    stranger = make.actor(make.user(make.org("Elsewhere")))
    with pytest.raises(NotFound):
        timer.start(db, stranger, two[0].id, now=T0)


def test_a_forgotten_timer_is_capped_once_at_the_cap(db, world, two, monkeypatch):
    _cap_hours(monkeypatch, 10)
    tech, tech2 = world.actor("technician"), world.actor("technician2")
    timer.start(db, tech, two[0].id, now=T0)
    timer.start(db, tech2, two[1].id, now=T0)
    timer.pause(db, tech2, now=T0 + MIN * 30)  # paused: worked 30 min, never capped
    assert timer.sweep(db, T0 + timedelta(hours=9)) == 0
    assert timer.sweep(db, T0 + timedelta(hours=13)) == 1
    assert timer.sweep(db, T0 + timedelta(hours=14)) == 0  # once
    [e] = db.exec(select(WorkEntry)).all()
    assert (e.user_id, e.seconds, e.capped) == (tech.user_id, 10 * 3600, True)
    assert e.ended_at == T0 + timedelta(hours=10)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "worktime.timer_capped")).one()
    assert timer.current(db, tech2, T0 + timedelta(hours=20)) is not None


def test_the_next_look_caps_it_when_the_sweep_did_not_run(db, world, two, monkeypatch):
    _cap_hours(monkeypatch, 2)
    tech = world.actor("technician")
    timer.start(db, tech, two[0].id, now=T0)
    assert timer.current(db, tech, T0 + timedelta(hours=3)) is None
    [e] = db.exec(select(WorkEntry)).all()
    assert e.capped and e.seconds == 7200
