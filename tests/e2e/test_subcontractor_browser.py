"""Subcontractors in the browser (issue 13): a coordinator hands a ticket over (the
subcontractor serving its contract is offered first) and shares a note; the
subcontractor signs in on a phone (390×844) and sees only that ticket, with its SLA
countdown, on their list and their SLA board; on its page never the desk's internal
note; accepts it; the coordinator withdraws it while the subcontractor's page is open,
which then says so without a reload and shows nothing of the ticket any more."""

from __future__ import annotations

import re
import uuid

from e2e_support import CLIENT_REQUESTER_LABEL, login
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from helpdesk_app.db import make_engine
from helpdesk_app.demo import SUBCONTRACTOR
from helpdesk_app.domain import handover
from helpdesk_app.domain.actor import Actor
from helpdesk_app.i18n import t
from helpdesk_app.models import Organisation, Ticket, User

COORD = "koordynator@pomocnik.example"
SUB = SUBCONTRACTOR[2][0][0]
LIVE_TIMEOUT_MS = 5_000


def _new_ticket(page, subject: str) -> str:
    page.goto("/agent/new")
    page.select_option("#n-requester", label=CLIENT_REQUESTER_LABEL)
    page.fill("#n-subject", subject)
    page.fill("#n-body", "Alarm w przepompowni")
    page.click("#n-submit")
    page.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))
    expect(page.locator("#ticket-subject")).to_have_text(subject)
    return page.locator("#ticket-number").inner_text().strip()


def _note(page, text: str, *, share: bool = False) -> None:
    page.click("#reply-note")
    if share:
        page.locator("#reply-share").click()
    page.fill("#reply-text", text)
    page.click("#reply-send")
    expect(page.locator("#timeline")).to_contain_text(text)


def _fits(page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone"


def test_hand_over_work_on_a_phone_and_withdraw_live(new_page, app_server):
    tag = uuid.uuid4().hex[:6]
    engine = make_engine(f"sqlite:///{app_server.data_dir / 'pomocnik.db'}")
    coord = new_page()
    login(coord, COORD)
    number = _new_ticket(coord, f"Przepompownia {tag}")
    secret, shared = f"Tylko zespół {tag}", f"Klucz na portierni {tag}"

    # the subcontractor serving the water utility's contract is preselected
    expect(coord.locator("#handover-org-pick")).to_contain_text(SUBCONTRACTOR[0])
    coord.select_option("#handover-person-pick", label=SUBCONTRACTOR[2][0][1])
    coord.fill("#handover-note-input", f"Proszę o wizytę {tag}")
    coord.click("#handover-submit")
    expect(coord.locator("#handover-org")).to_have_text(SUBCONTRACTOR[0])
    _note(coord, secret)
    _note(coord, shared, share=True)
    try:
        sub = new_page(phone=True)
        login(sub, SUB)
        expect(sub).to_have_url(re.compile(r"/agent$"))
        with Session(engine) as db:
            org = db.exec(select(Organisation).where(
                Organisation.name == SUBCONTRACTOR[0])).one()
            handed = set(db.exec(select(Ticket.number).where(
                Ticket.handed_to_org_id == org.id)).all())
        rows = sub.locator(".pm-row")
        expect(rows.first).to_be_visible()
        assert {r.get_attribute("data-number") for r in rows.all()} <= handed
        row = sub.locator(f'.pm-row[data-number="{number}"]')
        expect(row).to_be_visible()
        # the SLA countdown of the ticket they work on (the water utility: 24/7, 1 h)
        expect(row.locator(".pm-sla")).to_have_attribute("data-sla", "running")
        expect(row.locator(".pm-c-queue")).to_have_count(0)
        expect(row.locator(".pm-c-assignee")).to_have_count(0)
        expect(sub.locator("#sort-due")).to_have_count(1)  # the header (wide screens)
        expect(sub.locator("#nav-new")).to_have_count(0)
        expect(sub.locator("#quick-filters")).to_have_count(0)
        _fits(sub)

        # their SLA board: only tickets handed to them (ours is due within the hour), no
        # assignee column, no compliance per contract or ticket type
        expect(sub.locator("#nav-sla-board")).to_have_count(1)
        sub.goto("/agent/sla")
        risk_rows = sub.locator(".pm-risk-row")
        expect(sub.locator(f'.pm-risk-row[data-number="{number}"]')).to_be_visible()
        assert {r.get_attribute("data-number") for r in risk_rows.all()} <= handed
        expect(sub.locator("#at-risk th")).to_have_count(5)
        expect(sub.locator("#board-compliance")).to_have_count(0)
        _fits(sub)

        # a ticket not handed to them does not exist for them
        with Session(engine) as db:
            other = db.exec(select(Ticket).where(col(Ticket.handed_to_org_id).is_(None))
                            .order_by(col(Ticket.id))).first()
        sub.goto(f"/agent/tickets/{other.number}")
        expect(sub.locator("#not-found")).to_be_visible()
        expect(sub.locator("body")).not_to_contain_text(other.subject)

        sub.goto(f"/agent/tickets/{number}")
        expect(sub.locator("#ticket-number")).to_have_text(number)
        timeline = sub.locator("#timeline")
        expect(timeline).to_contain_text(shared)
        expect(timeline).to_contain_text(f"Proszę o wizytę {tag}")
        expect(timeline).not_to_contain_text(secret)
        expect(sub.locator("#e-priority")).to_have_count(0)  # no header edit
        expect(sub.locator("#h-sla .pm-sla")).to_have_attribute("data-sla", "running")
        sub.click("#sla-explain-toggle")
        expect(sub.locator("#sla-explain")).to_contain_text(t("sla.clock.reaction", "pl"))
        expect(sub.locator("#sla-explain")).not_to_contain_text(t("sla.contract", "pl"))
        sub.click("#handover-accept")
        expect(sub.locator("#handover-state")).to_have_attribute("data-state", "accepted")
        _fits(sub)
        # the coordinator's page follows (the panel's live watch)
        expect(coord.locator("#handover-state")).to_have_attribute(
            "data-state", "accepted", timeout=LIVE_TIMEOUT_MS)

        # withdrawn while their page is open: it says so, without a reload
        sub.evaluate("window.__sameDocument = true")
        coord.click("#handover-withdraw")
        coord.click("#handover-confirm-withdraw-yes")
        expect(coord.locator("#handover-submit")).to_be_visible()
        expect(sub.locator("#not-found")).to_have_text(
            t("handover.no_longer_handed", "pl"), timeout=LIVE_TIMEOUT_MS)
        assert sub.evaluate("window.__sameDocument") is True  # no reload happened
        expect(sub.locator("#ticket-subject")).to_have_count(0)
        expect(sub.locator("body")).not_to_contain_text(shared)
        sub.goto("/agent")
        expect(sub.locator(f'.pm-row[data-number="{number}"]')).to_have_count(0)
    finally:  # the app is shared by the session's browser tests
        with Session(engine) as db:
            ticket = db.exec(select(Ticket).where(Ticket.number == number)).one()
            if ticket.handed_to_org_id is not None:
                user = db.exec(select(User).where(User.email == COORD)).one()
                handover.withdraw(db, Actor.from_user(user), ticket.id)
        engine.dispose()
