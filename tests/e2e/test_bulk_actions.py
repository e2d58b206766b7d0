"""Bulk actions on the agent list, in a real browser: select a page, change the status,
see the progress/result panel with a conflict, and another agent's list updating live."""

from __future__ import annotations

import re
import uuid

from e2e_support import AGENT, AGENT2, CLIENT_REQUESTER_LABEL, login
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from helpdesk_app.db import make_engine
from helpdesk_app.demo import SUBCONTRACTOR
from helpdesk_app.domain import handover
from helpdesk_app.domain.actor import Actor
from helpdesk_app.models import Organisation, Ticket, User

LIVE_TIMEOUT_MS = 5_000
COORD = "koordynator@pomocnik.example"


def _create_ticket(page, subject: str) -> str:
    page.goto("/agent/new")
    page.select_option("#n-requester", label=CLIENT_REQUESTER_LABEL)
    page.fill("#n-subject", subject)
    page.fill("#n-body", "Zgłoszenie do zmiany zbiorczej")
    page.click("#n-submit")
    page.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))
    # the SPA may still show the previous ticket until the new one has loaded
    expect(page.locator("#ticket-subject")).to_have_text(subject)
    return page.locator("#ticket-number").inner_text().strip()


def _search(page, text: str, rows: int) -> None:
    page.goto("/agent")
    expect(page.locator(".pm-row").first).to_be_visible()
    page.fill("#search", text)
    page.click("#search-go")
    expect(page.locator(".pm-row")).to_have_count(rows)


def _row(page, number: str):
    return page.locator(f'.pm-row[data-number="{number}"]')


def test_bulk_status_change_with_a_conflict(new_page):
    tag = uuid.uuid4().hex[:8]
    agent, other = new_page(), new_page()
    login(agent, AGENT)
    login(other, AGENT2)
    numbers = [_create_ticket(agent, f"Zbiorczo {tag} {i}") for i in range(3)]

    _search(agent, tag, 3)
    _search(other, tag, 3)
    # Select the whole page: the seen versions are recorded on the server now.
    agent.click("#select-page")
    expect(agent.locator("#bulk-count")).to_have_text("3")
    expect(agent.locator(".pm-row [role=checkbox][data-state=checked]")).to_have_count(3)

    # Meanwhile the other agent changes one of them (with a bulk action of one row).
    _row(other, numbers[0]).locator("[role=checkbox]").click()
    expect(other.locator("#bulk-count")).to_have_text("1")
    other.select_option("#bulk-priority", value="4")
    other.click("#bulk-apply")
    expect(other.locator("#bulk-ok")).to_have_text("1")
    expect(other.locator("#bulk-failed")).to_have_text("0")
    # ... which the first agent's list shows live.
    expect(_row(agent, numbers[0])).to_contain_text("Pilny", timeout=LIVE_TIMEOUT_MS)

    agent.select_option("#bulk-status", value="pending")
    agent.click("#bulk-apply")
    expect(agent.locator("#bulk-result")).to_be_visible()
    expect(agent.locator("#bulk-ok")).to_have_text("2")
    expect(agent.locator("#bulk-failed")).to_have_text("1")
    failure = agent.locator("#bulk-failures .pm-bulk-failure")
    expect(failure).to_have_count(1)
    expect(failure).to_contain_text(numbers[0])
    expect(agent.locator("#bulk-count")).to_have_text("0")  # selection cleared after the run
    assert len(set(numbers)) == 3

    for number in numbers[1:]:
        expect(_row(agent, number).locator(".pm-status")).to_have_text("Oczekuje na klienta")
        # the other agent's open list follows without a reload
        expect(_row(other, number).locator(".pm-status")).to_have_text(
            "Oczekuje na klienta", timeout=LIVE_TIMEOUT_MS)
    expect(_row(agent, numbers[0]).locator(".pm-status")).not_to_have_text(
        "Oczekuje na klienta")

    # The change is on each ticket's timeline.
    agent.goto(f"/agent/tickets/{numbers[1]}")
    expect(agent.locator("#timeline")).to_contain_text("Oczekuje na klienta")


def test_bulk_select_all_matching(new_page):
    tag = uuid.uuid4().hex[:8]
    agent = new_page()
    login(agent, AGENT)
    numbers = [_create_ticket(agent, f"Wszystkie {tag} {i}") for i in range(2)]
    _search(agent, tag, 2)
    agent.click("#bulk-select-all")
    expect(agent.locator("#bulk-count")).to_have_text("2")
    expect(agent.locator("#bulk-all-matching")).to_have_count(1)
    agent.select_option("#bulk-priority", value="3")
    agent.click("#bulk-apply")
    expect(agent.locator("#bulk-ok")).to_have_text("2")
    for number in numbers:
        expect(_row(agent, number)).to_contain_text("Wysoki")


def test_bulk_handover_runs_like_a_bulk_change_and_reports_each_ticket(new_page, app_server):
    """A coordinator hands a selection to a subcontractor: the run goes in the background
    with the same progress/result panel, a ticket handed already is reported, the rest go
    through."""
    tag = uuid.uuid4().hex[:8]
    engine = make_engine(f"sqlite:///{app_server.data_dir / 'pomocnik.db'}")
    coord = new_page()
    login(coord, COORD)
    numbers = [_create_ticket(coord, f"Przekazanie {tag} {i}") for i in range(3)]
    try:
        # one is handed over already, from its own page
        with Session(engine) as db:
            me = Actor.from_user(db.exec(select(User).where(User.email == COORD)).one())
            org_id = db.exec(select(Organisation.id).where(
                Organisation.name == SUBCONTRACTOR[0])).one()
            first = db.exec(select(Ticket.id).where(Ticket.number == numbers[0])).one()
            assert handover.hand_over(db, me, [first], org_id).succeeded == 1
        _search(coord, tag, 3)
        coord.click("#select-page")
        expect(coord.locator("#bulk-count")).to_have_text("3")
        coord.click("#bulk-handover-open")
        expect(coord.locator("#bulk-sub")).to_contain_text(SUBCONTRACTOR[0])
        coord.click("#bulk-handover-apply")
        expect(coord.locator("#bulk-result")).to_be_visible()
        expect(coord.locator("#bulk-ok")).to_have_text("2")
        expect(coord.locator("#bulk-failed")).to_have_text("1")
        expect(coord.locator("#bulk-failures .pm-bulk-failure")).to_contain_text(numbers[0])
        expect(coord.locator("#bulk-count")).to_have_text("0")
        with Session(engine) as db:
            handed = db.exec(select(Ticket.number).where(
                col(Ticket.number).in_(numbers), Ticket.handed_to_org_id == org_id)).all()
        assert sorted(handed) == sorted(numbers)
    finally:  # the app is shared by the session's browser tests
        with Session(engine) as db:
            me = Actor.from_user(db.exec(select(User).where(User.email == COORD)).one())
            still = db.exec(select(Ticket).where(col(Ticket.number).in_(numbers), col(
                Ticket.handed_to_org_id).is_not(None))).all()
            for ticket in still:
                handover.withdraw(db, me, ticket.id)
        engine.dispose()
