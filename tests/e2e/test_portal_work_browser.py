"""The client manager's summary of work in the portal (issue 14), on a phone: hours per
month and per ticket of their own organisation only, nothing internal; a plain client
does not get the page."""

from __future__ import annotations

import re

from e2e_support import CLIENT, login
from playwright.sync_api import expect
from sqlmodel import Session, select

from helpdesk_app.db import make_engine
from helpdesk_app.models import Organisation, Ticket, WorkEntry

MANAGER = "jan.kowalski@wodociagi-lodz.example"  # client manager, Wodociągi


def test_a_client_manager_sees_hours_of_their_own_organisation(new_page, app_server):
    engine = make_engine(f"sqlite:///{app_server.data_dir / 'pomocnik.db'}")
    with Session(engine) as db:
        org_id = db.exec(select(Organisation.id).where(
            Organisation.name.like("Miejskie Wodociągi%"))).one()
        ours = set(db.exec(select(Ticket.number).join(
            WorkEntry, WorkEntry.ticket_id == Ticket.id).where(
            WorkEntry.organisation_id == org_id)).all())
        theirs = set(db.exec(select(Ticket.number).join(
            WorkEntry, WorkEntry.ticket_id == Ticket.id).where(
            WorkEntry.organisation_id != org_id)).all())
        descriptions = set(db.exec(select(WorkEntry.description)).all())
    engine.dispose()
    assert ours and theirs

    page = new_page(phone=True)
    login(page, MANAGER)
    page.click("#portal-work-link")
    expect(page).to_have_url(re.compile(r"/portal/work$"))
    months = page.locator('.pm-report[data-table="client_months"]')
    expect(months.locator(".pm-report-row")).to_have_count(12)
    tickets = page.locator('.pm-report[data-table="client_tickets"]')
    expect(tickets.locator(".pm-report-row").first).to_be_visible()
    shown = set(tickets.locator(".pm-report-row td:first-child").all_inner_texts())
    assert shown <= ours and not shown & theirs
    body = page.locator("body").inner_text()
    assert not any(d and d in body for d in descriptions)  # work notes are internal
    assert "PLN" not in body  # no amounts or rates
    expect(page.locator(".pm-export-xlsx")).to_have_count(0)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide on a 390px phone"


def test_a_plain_client_is_sent_back_to_their_tickets(new_page):
    page = new_page(phone=True)
    login(page, CLIENT)
    expect(page.locator("#portal-work-link")).to_have_count(0)
    page.goto("/portal/work")
    expect(page).to_have_url(re.compile(r"/portal$"))
