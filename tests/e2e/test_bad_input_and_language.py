"""Unhappy paths (clear message, nothing lost) and the language switch."""

from __future__ import annotations

import re
import uuid

from e2e_support import AGENT, CLIENT, MAX_MB, OTHER_ORG_CLIENT, login
from playwright.sync_api import expect


def test_wrong_password_is_neutral_and_keeps_email(new_page):
    page = new_page()
    page.goto("/login")
    page.fill("#email", AGENT)
    page.fill("#password", "wrong-password")
    page.click("#login-submit")
    expect(page.locator(".pm-error")).to_have_text(
        "Nieprawidłowy e-mail lub hasło albo zbyt wiele prób — spróbuj ponownie za chwilę.")
    expect(page.locator("#email")).to_have_value(AGENT)
    # An unknown address gets the very same message (no user enumeration).
    page.fill("#email", "nobody@nowhere.example")
    page.fill("#password", "whatever-123")
    page.click("#login-submit")
    expect(page.locator(".pm-error")).to_have_text(
        "Nieprawidłowy e-mail lub hasło albo zbyt wiele prób — spróbuj ponownie za chwilę.")
    expect(page).to_have_url(re.compile(r"/login"))


def test_pages_need_login(new_page):
    page = new_page()
    page.goto("/agent")
    page.wait_for_url(re.compile(r"/login"))
    page.goto("/portal/tickets/2026-000001")
    page.wait_for_url(re.compile(r"/login"))


def test_client_cannot_open_agent_pages(new_page):
    page = new_page(phone=True)
    login(page, CLIENT)
    page.goto("/agent")
    page.wait_for_url(re.compile(r"/portal$"))


def test_empty_subject_keeps_the_form(new_page):
    page = new_page(phone=True)
    login(page, CLIENT)
    page.goto("/portal/new")
    page.fill("#n-body", "Długi opis, którego nie chcę stracić")
    page.click("#n-submit")
    # the message stands next to the field; the summary above the button says so
    expect(page.locator("#n-subject-error")).to_have_text("Temat jest wymagany.")
    expect(page.locator(".pm-error")).to_have_text("Popraw zaznaczone pola.")
    expect(page.locator("#n-body")).to_have_value("Długi opis, którego nie chcę stracić")
    # Fixing the subject then works and the client lands on the new ticket.
    page.fill("#n-subject", "Nie mogę się zalogować do VPN")
    page.click("#n-submit")
    page.wait_for_url(re.compile(r"/portal/tickets/\d{4}-\d{6}"))
    expect(page.locator("#timeline")).to_contain_text("Długi opis, którego nie chcę stracić")


def test_oversized_attachment_is_refused_and_text_kept(new_page):
    page = new_page(phone=True)
    login(page, CLIENT)
    page.goto("/portal/new")
    page.fill("#n-subject", "Ticket for a big file " + uuid.uuid4().hex[:6])
    page.click("#n-submit")
    page.wait_for_url(re.compile(r"/portal/tickets/"))
    page.fill("#reply-text", "Przesyłam duży plik")
    page.set_input_files("#reply_files input[type=file]", [{
        "name": "duzy.bin", "mimeType": "application/octet-stream",
        "buffer": b"x" * (MAX_MB * 1024 * 1024 + 1),
    }])
    page.click("#reply-send")
    expect(page.locator(".pm-error")).to_contain_text(f"przekracza limit {MAX_MB} MB")
    expect(page.locator("#reply-text")).to_have_value("Przesyłam duży plik")
    assert "duzy.bin" not in page.locator("#timeline").inner_text()


def test_unknown_and_foreign_ticket_numbers(new_page):
    page = new_page(phone=True)
    login(page, OTHER_ORG_CLIENT)
    page.fill("#lookup", "2026-999999")
    page.click("#lookup-go")
    expect(page.locator(".pm-error")).to_contain_text("2026-999999")
    expect(page.locator("#lookup")).to_have_value("2026-999999")
    # A ticket number that exists but belongs to another organisation looks the same.
    page.fill("#lookup", "2026-000001")
    page.click("#lookup-go")
    expect(page.locator(".pm-error")).to_contain_text("2026-000001")
    page.goto("/portal/tickets/2026-000001")
    expect(page.locator("#not-found")).to_be_visible()


def test_client_finds_own_ticket_by_number(new_page):
    client = new_page(phone=True)
    login(client, CLIENT)
    first = client.locator(".pm-row").first
    number = first.get_attribute("data-number")
    client.fill("#lookup", number.split("-")[0] + "-" + str(int(number.split("-")[1])))
    client.click("#lookup-go")
    client.wait_for_url(re.compile(rf"/portal/tickets/{number}$"))
    expect(client.locator("#ticket-number")).to_have_text(number)


def test_language_switch_sticks_to_account(new_page):
    page = new_page()
    login(page, AGENT)
    expect(page.locator("#nav-tickets")).to_have_text("Zgłoszenia")
    page.click("#lang-en")
    expect(page.locator("#nav-tickets")).to_have_text("Tickets")
    expect(page.locator("#ticket-table")).to_contain_text("Priority")
    # Stored on the account: a fresh browser logging in gets English.
    other = new_page()
    login(other, AGENT)
    expect(other.locator("#nav-tickets")).to_have_text("Tickets")
    page.click("#lang-pl")
    expect(page.locator("#nav-tickets")).to_have_text("Zgłoszenia")
    third = new_page()
    login(third, AGENT)
    expect(third.locator("#nav-tickets")).to_have_text("Zgłoszenia")


def test_agent_list_filters_sort_and_paging(new_page):
    page = new_page()
    login(page, AGENT)
    expect(page.locator(".pm-row").first).to_be_visible()
    assert page.locator(".pm-row").count() == 25
    page.click("#next-page")
    expect(page.locator("#page-info")).to_contain_text("2 /")
    page.select_option("#f-status", value="closed")
    expect(page.locator("#page-info")).to_contain_text("1 /")
    expect(page.locator(".pm-row .pm-status").first).to_have_text("Zamknięte")
    statuses = page.locator(".pm-row .pm-status").all_inner_texts()
    assert statuses and set(statuses) == {"Zamknięte"}
    page.select_option("#f-assignee", value="unassigned")
    page.select_option("#f-status", value="new")
    expect(page.locator("#f-status")).to_have_value("new")
    expect(page.locator(".pm-row .pm-status").first).to_have_text("Nowe")
    assert set(page.locator(".pm-row .pm-status").all_inner_texts()) == {"Nowe"}
    page.click("#clear")
    page.click("#sort-number")  # first click on a new column: descending
    expect(page.locator("#sort-number")).to_contain_text("↓")
    numbers = page.locator(".pm-row a.pm-number").all_inner_texts()
    assert numbers == sorted(numbers, reverse=True)
    page.click("#sort-number")
    expect(page.locator("#sort-number")).to_contain_text("↑")
    numbers = page.locator(".pm-row a.pm-number").all_inner_texts()
    assert numbers == sorted(numbers)
