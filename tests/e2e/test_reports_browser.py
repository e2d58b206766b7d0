"""Reports in the browser (issue 14): a coordinator opens the invoicing report for a
period from the URL (bookmarkable), drills down to a client's tickets, downloads the
table as XLSX (opened back and checked) and exports every work entry in the background;
a technician without "reports.view" does not get the page."""

from __future__ import annotations

import re
from datetime import date, timedelta

from e2e_support import AGENT, login
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import Session, select

from helpdesk_app.db import make_engine
from helpdesk_app.models import WorkEntry

COORD = "koordynator@pomocnik.example"


def test_invoicing_report_drill_down_and_xlsx(new_page, app_server, tmp_path):
    day_to = date.today()
    day_from = day_to - timedelta(days=90)
    engine = make_engine(f"sqlite:///{app_server.data_dir / 'pomocnik.db'}")
    with Session(engine) as db:
        entries = db.exec(select(func.count()).select_from(WorkEntry).where(
            WorkEntry.work_date >= day_from, WorkEntry.work_date <= day_to)).one()
    engine.dispose()
    assert entries > 0  # the demo logs work

    page = new_page()
    login(page, COORD)
    page.goto(f"/agent/reports?tab=invoicing&from={day_from}&to={day_to}")
    table = page.locator('.pm-report[data-table="invoicing"]')
    expect(table.locator(".pm-report-row").first).to_be_visible()
    expect(table.locator(".pm-report-totals")).to_contain_text(str(entries))
    expect(page.locator("#rf-from")).to_have_value(day_from.strftime("%d.%m.%Y"))

    with page.expect_download() as download:
        table.locator(".pm-export-xlsx").click()
    path = tmp_path / "invoicing.xlsx"
    download.value.save_as(path)
    ws = load_workbook(path).active
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Miesiąc", "Klient", "Umowa"]
    assert ws.max_row == 1 + table.locator(".pm-report-row").count() + 1  # + totals
    assert sum(int(r[3] or 0) for r in ws.iter_rows(min_row=2, max_row=ws.max_row - 1,
                                                     values_only=True)) == entries

    table.locator(".pm-drill").first.click()
    expect(page).to_have_url(re.compile(r"drill_org=\d+"))
    tickets = page.locator('.pm-report[data-table="invoicing_tickets"]')
    expect(tickets.locator(".pm-report-row").first).to_be_visible()
    tickets.locator(".pm-drill").first.click()
    expect(page.locator('.pm-report[data-table="invoicing_entries"] .pm-report-row').first
           ).to_be_visible()
    page.click("#reports-back")
    expect(page.locator('.pm-report[data-table="invoicing_tickets"]')).to_be_visible()

    # every entry of the period, built in the background, offered for download
    page.goto(f"/agent/reports?tab=invoicing&from={day_from}&to={day_to}")
    expect(table.locator(".pm-report-row").first).to_be_visible()
    page.click("#export-entries-xlsx")
    expect(page.locator("#export-download")).to_be_visible(timeout=30_000)
    with page.expect_download() as download:
        page.click("#export-download")
    path = tmp_path / "entries.xlsx"
    download.value.save_as(path)
    assert load_workbook(path).active.max_row == entries + 1


def test_a_technician_without_reports_does_not_get_the_page(new_page):
    page = new_page()
    login(page, AGENT)
    page.goto("/agent/reports")
    expect(page).to_have_url(re.compile(r"/agent$"))
    expect(page.locator("#nav-reports")).to_have_count(0)


def test_every_reports_tab_fits_a_phone(new_page):
    """Tables with many columns scroll inside their own box; the page never scrolls
    sideways at 390 px, on any tab, and each tab shows its tables."""
    page = new_page(phone=True)
    login(page, COORD)
    for tab in ("invoicing", "workload", "service"):
        page.goto(f"/agent/reports?tab={tab}")
        expect(page.locator("#reports-tab-" + tab)).to_be_visible()
        expect(page.locator(".pm-report").first).to_be_visible()
        page.wait_for_timeout(300)  # charts lay themselves out
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1, f"{tab}: the page is {width} px wide"
