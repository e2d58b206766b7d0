"""Work time and billing in the browser (issue 14): an admin gives a contract its rate — a
bad amount and a bad percentage are named next to their fields and nothing typed is lost
— fixes it (the contract's unbilled entries are re-rated), then locks last month under an
invoice number after a preview and a confirmation, and sees how many entries it took; a
later change re-rates a contract of more than one batch in the background."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from e2e_support import login
from playwright.sync_api import expect
from sqlmodel import Session, col, select

from helpdesk_app.db import make_engine
from helpdesk_app.domain import dates
from helpdesk_app.i18n.pl import CATALOG as PL
from helpdesk_app.models import Contract, Organisation, Ticket, WorkEntry

ADMIN = "admin@pomocnik.example"
ORG = "Northwind Logistics Ltd"  # no other browser test logs work for it


def _two_entries_last_month(engine) -> tuple[int, list[int], date, date]:
    """Two hours on a Northwind ticket, last month, not rated yet (no rate on the
    contract): the contract id, the entry ids and the month's first and last day."""
    last = date.today().replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    with Session(engine) as db:
        ticket = db.exec(select(Ticket).join(Contract, col(Contract.id) == Ticket.contract_id)
                         .join(Organisation, col(Organisation.id) == Contract.organisation_id)
                         .where(Organisation.name == ORG).order_by(col(Ticket.id))).first()
        rows = [WorkEntry(ticket_id=ticket.id, user_id=ticket.created_by_id,
                          organisation_id=ticket.organisation_id,
                          contract_id=ticket.contract_id, work_date=day, seconds=3600,
                          created_by_id=ticket.created_by_id)
                for day in (first + timedelta(days=9), last)]
        db.add_all(rows)
        db.commit()
        return ticket.contract_id, [r.id for r in rows], first, last


def _unbilled_this_month(engine, contract_id: int, n: int) -> list[int]:
    """`n` one-hour entries today on a ticket of the contract, unrated."""
    with Session(engine) as db:
        ticket = db.exec(select(Ticket).where(Ticket.contract_id == contract_id)
                         .order_by(col(Ticket.id))).first()
        rows = [WorkEntry(ticket_id=ticket.id, user_id=ticket.created_by_id,
                          organisation_id=ticket.organisation_id, contract_id=contract_id,
                          work_date=date.today(), seconds=3600,
                          created_by_id=ticket.created_by_id) for _ in range(n)]
        db.add_all(rows)
        db.commit()
        return [r.id for r in rows]


def test_admin_sets_a_rate_fixes_it_and_locks_last_month(new_page, app_server):
    engine = make_engine(f"sqlite:///{app_server.data_dir / 'pomocnik.db'}")
    contract_id, entry_ids, first, last = _two_entries_last_month(engine)
    page = new_page()
    login(page, ADMIN)
    page.click("#nav-admin-worktime")
    expect(page.locator("h1, h2").filter(has_text=PL["worktime_admin.title"])).to_be_visible()
    expect(page.locator("#act-rows .pm-config-row")).to_have_count(4)  # the seeded types
    expect(page.locator("#rate-pick")).to_have_text(PL["worktime_admin.pick_contract"])

    page.select_option("#rate-contract", value=str(contract_id))
    expect(page.locator("#rate-note")).to_contain_text(PL["worktime_admin.no_rate_yet"])
    page.fill("#rate-amount", "18O,00")
    page.select_option("#rate-rounding", value="up")
    page.fill("#rate-block", "15")
    page.fill("#rate-after-hours", "0")
    page.click("#rate-save")
    expect(page.locator(".pm-error").first).to_contain_text(PL["form.invalid"])
    expect(page.locator("#rate-amount-error")).to_have_text(
        PL["worktime_admin.rate_format"].format(value="18O,00"))
    expect(page.locator("#rate-after-hours-error")).to_have_text(
        PL["rating.after_hours_pct_invalid"].format(max=1000))
    expect(page.locator("#rate-block-error")).to_have_count(0)
    for input_id, typed in (("#rate-amount", "18O,00"), ("#rate-block", "15"),
                            ("#rate-after-hours", "0")):
        expect(page.locator(input_id)).to_have_value(typed)  # nothing typed is lost
    expect(page.locator("#rate-rounding")).to_have_value("up")

    page.fill("#rate-amount", "180,00")
    page.fill("#rate-after-hours", "150")
    page.click("#rate-save")
    with Session(engine) as db:
        unbilled = len(db.exec(select(WorkEntry.id).where(
            WorkEntry.contract_id == contract_id, col(WorkEntry.locked_at).is_(None))).all())
    expect(page.locator("#rate-message")).to_have_text(
        PL["worktime_admin.rate_saved"].format(count=unbilled))
    expect(page.locator(".pm-field-error")).to_have_count(0)
    with Session(engine) as db:
        assert [db.get(WorkEntry, i).amount_minor for i in entry_ids] == [18000, 18000]

    ref = f"FV {uuid.uuid4().hex[:6]}/E2E"
    page.select_option("#lock-contract", value=str(contract_id))
    page.fill("#lock-from", dates.format_day(first, "pl"))
    page.fill("#lock-to", dates.format_day(last, "pl"))
    page.fill("#lock-ref", ref)
    expect(page.locator("#lock-preview")).to_contain_text("wpisów 2")
    expect(page.locator("#lock-preview")).to_contain_text("360,00 PLN")
    page.click("#lock-ask")
    expect(page.locator("#lock-confirm")).to_contain_text(ref)
    page.click("#lock-yes")
    expect(page.locator("#lock-message")).to_have_text(
        PL["worktime_billing.locked"].format(count=2, ref=ref))
    expect(page.locator("#lock-preview")).to_have_text(PL["worktime_billing.preview_none"])
    expect(page.locator(".pm-lock-row").filter(has_text=ref)).to_contain_text("wpisów: 2")
    with Session(engine) as db:
        assert {db.get(WorkEntry, i).lock_ref for i in entry_ids} == {ref}

    # a contract with more unbilled entries than one batch is re-rated in the background
    # (progress under the form); the billed ones keep their invoiced amounts
    many = _unbilled_this_month(engine, contract_id, 1200)
    page.fill("#rate-amount", "200,00")
    page.click("#rate-save")
    with Session(engine) as db:
        unbilled = len(db.exec(select(WorkEntry.id).where(
            WorkEntry.contract_id == contract_id, col(WorkEntry.locked_at).is_(None))).all())
    assert unbilled >= 1200
    expect(page.locator("#rate-message")).to_have_text(
        PL["worktime_admin.rate_saved"].format(count=unbilled), timeout=30_000)
    expect(page.locator("#rate-save")).to_be_enabled()
    with Session(engine) as db:
        assert {db.get(WorkEntry, i).amount_minor for i in many} == {20000}
        assert [db.get(WorkEntry, i).amount_minor for i in entry_ids] == [18000, 18000]

    # on a phone the open forms still fit: nothing scrolls sideways
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.locator("#rate-form")).to_be_visible()
