"""Work time in the browser (issue 14): a technician's timer runs across two tabs of the
same ticket (a pause in one shows in the other without a reload), its clock ticks in the
browser, stopping it logs the time and opens the entry for a description; an entry typed
by hand with bad input gets its messages next to the fields and loses nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from e2e_support import AGENT, create_ticket, login
from playwright.sync_api import expect
from sqlmodel import Session, select

from helpdesk_app.db import make_engine
from helpdesk_app.domain import dates
from helpdesk_app.models import Ticket, User, WorkEntry, WorkTimer

LIVE_TIMEOUT_MS = 5_000


def _new_ticket(page, subject: str) -> str:
    number = create_ticket(page, subject, body="Drukarka nie drukuje")
    expect(page.locator("#ticket-subject")).to_have_text(subject)
    return number


def test_timer_across_two_tabs_then_stop_and_describe(new_page, app_server):
    engine = make_engine(f"sqlite:///{app_server.data_dir / 'pomocnik.db'}")
    tab1 = new_page()
    login(tab1, AGENT)
    number = _new_ticket(tab1, f"Stoper {uuid.uuid4().hex[:6]}")
    expect(tab1.locator("#work-empty")).to_be_visible()
    tab1.click("#timer-start")
    expect(tab1.locator("#timer-state")).to_have_attribute("data-running", "true")

    tab2 = new_page()
    login(tab2, AGENT)
    tab2.goto(f"/agent/tickets/{number}")
    expect(tab2.locator("#timer-state")).to_have_attribute("data-running", "true")
    first = tab2.locator("#timer-clock").inner_text()
    expect(tab2.locator("#timer-clock")).not_to_have_text(first, timeout=3_000)  # it ticks

    tab2.click("#timer-pause")
    expect(tab1.locator("#timer-state")).to_have_attribute("data-running", "false",
                                                           timeout=LIVE_TIMEOUT_MS)
    tab1.click("#timer-resume")
    expect(tab2.locator("#timer-state")).to_have_attribute("data-running", "true",
                                                           timeout=LIVE_TIMEOUT_MS)
    # as if it had run for 25 minutes: move its start back in the database
    with Session(engine) as db:
        user_id = db.exec(select(User.id).where(User.email == AGENT)).one()
        timer = db.get(WorkTimer, user_id)
        back = datetime.now(UTC) - timedelta(minutes=25)
        timer.started_at, timer.running_since, timer.spans = back, back, []
        timer.updated_at = back
        db.add(timer)
        db.commit()
    tab1.reload()
    expect(tab1.locator("#timer-clock")).to_contain_text("0:25:")
    tab1.click("#timer-stop")
    expect(tab1.locator("#work-message")).to_contain_text("25 min")
    expect(tab1.locator("#work-form")).to_be_visible()  # the entry opens to describe it
    tab1.fill("#work-description", "Wymiana tonera")
    tab1.click("#work-save")
    row = tab1.locator(".pm-work-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Wymiana tonera")
    expect(row).to_contain_text("25 min")
    expect(tab1.locator("#work-total")).to_have_text("25 min")
    # the other tab lost the timer and gained the entry, live
    expect(tab2.locator("#timer-start")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(tab2.locator(".pm-work-row")).to_contain_text("Wymiana tonera",
                                                         timeout=LIVE_TIMEOUT_MS)
    with Session(engine) as db:
        ticket_id = db.exec(select(Ticket.id).where(Ticket.number == number)).one()
        [entry] = db.exec(select(WorkEntry).where(WorkEntry.ticket_id == ticket_id)).all()
        assert 25 * 60 <= entry.seconds < 26 * 60
        assert entry.description == "Wymiana tonera"
    engine.dispose()


def test_a_hand_entry_with_bad_input_keeps_what_was_typed(new_page):
    page = new_page()
    login(page, AGENT)
    _new_ticket(page, f"Wpis ręczny {uuid.uuid4().hex[:6]}")
    page.click("#work-add")
    # yesterday: 8:00-9:30 today is still in the future before half past nine (refused)
    yesterday = datetime.now(ZoneInfo("Europe/Warsaw")).date() - timedelta(days=1)
    page.fill("#work-day", dates.format_day(yesterday, "pl"))
    page.fill("#work-start", "25:00")
    page.fill("#work-end", "9:30")
    page.fill("#work-description", "Konfiguracja routera")
    page.click("#work-save")
    expect(page.locator("#work-start-error")).to_be_visible()
    expect(page.locator("#work-description")).to_have_value("Konfiguracja routera")
    page.fill("#work-start", "8:00")
    page.click("#work-save")
    expect(page.locator(".pm-work-row")).to_contain_text("1 godz. 30 min")
    expect(page.locator("#work-total")).to_have_text("1 godz. 30 min")
    expect(page.locator("#timeline")).to_contain_text("wpisano 1 godz. 30 min")
