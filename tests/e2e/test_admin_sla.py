"""Admin SLA configuration in the browser: clear errors that keep the form, then saving."""

from __future__ import annotations

import re
import uuid

from e2e_support import AGENT, login
from playwright.sync_api import expect

ADMIN = "admin@pomocnik.example"


def test_admin_configures_calendar_contract_and_type(new_page):
    page = new_page()
    login(page, ADMIN)
    page.click("#nav-admin-sla")
    page.wait_for_url(re.compile(r"/admin/sla"))
    name = "Serwis nocny " + uuid.uuid4().hex[:5]

    page.click("#cal-new")
    page.fill("#cal-name", name)
    page.fill("#cal-w0", "22:00-6:00")  # Monday's night shift runs into Tuesday 6:00 ...
    page.fill("#cal-w1", "5:00-7:00")  # ... where Tuesday's window already starts
    page.click("#cal-save")
    expect(page.locator(".pm-error")).to_contain_text("Popraw zaznaczone pola")
    expect(page.locator("#cal-windows-error")).to_contain_text("nakładają się")
    expect(page.locator("#cal-name")).to_have_value(name)  # nothing lost

    page.fill("#cal-w0", "8:00-16:00")
    page.fill("#cal-w1", "osiem")
    page.click("#cal-save")
    expect(page.locator("#cal-windows-error")).to_contain_text("„osiem”")

    page.fill("#cal-w1", "6:00-14:00")
    page.fill("#cal-cutoff", "15:00")
    page.fill("#cal-closed", "2026-12-31 Inwentaryzacja")
    page.click("#cal-save")
    expect(page.locator("#admin-message")).to_be_visible()
    expect(page.get_by_role("paragraph").filter(has_text=name)).to_be_visible()

    page.click("#con-new")
    page.select_option("#con-org", label="Northwind Logistics Ltd")
    page.fill("#con-name", "Umowa nocna " + name)
    page.fill("#con-from", "2027-01-01")
    page.click("#con-save")
    expect(page.locator(".pm-error")).to_have_text("Popraw zaznaczone pola.")
    expect(page.locator("#con-calendar-error")).to_have_text(
        "Wybierz kalendarz pracy dla umowy.")
    expect(page.locator(".pm-field-error")).to_have_count(1)  # only the missing calendar
    page.select_option("#con-calendar", label=name)
    page.select_option("#con-escalation", value="move_queue")
    page.click("#con-save")
    expect(page.locator("#con-escalation-queue-error")).to_have_text(
        "Wybierz kolejkę eskalacyjną.")
    expect(page.locator("#con-calendar-error")).to_have_count(0)
    page.select_option("#con-escalation-queue", label="Sieć i infrastruktura")
    page.locator('[data-contact="Olivia Smith"]').click()
    page.click("#con-save")
    expect(page.locator("#admin-message")).to_be_visible()
    expect(page.locator(f'.pm-config-row[data-title$="Umowa nocna {name}"]')).to_contain_text(
        "Olivia Smith")

    page.click("#tt-new")
    page.select_option("#tt-contract", label=f"Northwind Logistics Ltd — Umowa nocna {name}")
    page.fill("#tt-name-pl", "Awaria serwera")
    page.fill("#tt-name-en", "Server failure")
    page.fill("#tt-reaction", "600")
    page.fill("#tt-resolution", "480")
    page.click("#tt-save")
    expect(page.locator("#tt-resolution-error")).to_contain_text(
        "Czas reakcji nie może być dłuższy")
    page.fill("#tt-reaction", "30")
    page.fill("#tt-p3-resolution", "120")
    page.click("#tt-save")
    expect(page.locator("#admin-message")).to_be_visible()
    expect(page.get_by_text("Awaria serwera", exact=False).first).to_be_visible()


def test_admin_page_is_for_admins_only(new_page):
    page = new_page()
    login(page, AGENT)
    assert page.locator("#nav-admin-sla").count() == 0
    page.goto("/admin/sla")
    page.wait_for_url(re.compile(r"/agent$"))


def test_calendar_change_recomputes_open_tickets_with_progress(new_page):
    page = new_page()
    login(page, ADMIN)
    page.goto("/admin/sla")
    page.locator('.pm-config-row[data-title^="Biuro Pn–Pt 8–16"] button').click()
    expect(page.locator("#cal-name")).to_have_value(re.compile("Biuro Pn–Pt 8–16"))
    page.fill("#cal-w4", "8:00-15:00")  # shorter Fridays
    page.click("#cal-save")
    message = page.locator("#recompute-message")
    expect(message).to_contain_text("Przeliczono terminy SLA dla", timeout=20_000)
    count = int(re.search(r"dla (\d+) otwartych", message.inner_text()).group(1))
    assert count > 0  # demo tickets of two organisations run on this calendar
