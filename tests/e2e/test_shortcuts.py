"""Keyboard shortcuts on staff pages (assets/shortcuts.js), and the agent list's note that
a remembered search is filtering it."""

from __future__ import annotations

import re

from e2e_support import AGENT, login
from playwright.sync_api import expect

TICKET_URL = re.compile(r"/agent/tickets/(\d{4}-\d{6})$")
SELECTED = ".pm-row.pm-kb-selected[aria-selected=true]"


def _agent_list(new_page, *, phone: bool = False):
    page = new_page(phone=phone)
    login(page, AGENT)
    expect(page.locator(".pm-row").nth(2)).to_be_visible()
    page.wait_for_function("window.__pmShortcuts === true")
    return page


def _selected_number(page) -> str:
    expect(page.locator(SELECTED)).to_have_count(1)
    return page.locator(SELECTED).get_attribute("data-number")


def test_slash_focuses_search_and_typing_there_is_typing(new_page):
    page = _agent_list(new_page)
    page.keyboard.press("/")
    expect(page.locator("#search")).to_be_focused()
    expect(page.locator("#search")).to_have_value("")  # the slash itself is not typed
    page.keyboard.type("nj")
    expect(page.locator("#search")).to_have_value("nj")
    page.wait_for_timeout(300)
    assert page.url.endswith("/agent")
    expect(page.locator(SELECTED)).to_have_count(0)
    # with a modifier a letter is no shortcut either
    page.locator("#search").fill("")
    page.locator("#search").blur()
    page.keyboard.press("Alt+n")
    page.wait_for_timeout(300)
    assert page.url.endswith("/agent")


def test_j_k_arrows_move_the_selection_and_enter_opens_it(new_page):
    page = _agent_list(new_page)
    numbers = page.locator(".pm-row").evaluate_all(
        "rows => rows.map(r => r.getAttribute('data-number'))")
    page.keyboard.press("j")
    assert _selected_number(page) == numbers[0]
    page.keyboard.press("j")
    page.keyboard.press("ArrowDown")
    assert _selected_number(page) == numbers[2]
    page.keyboard.press("k")
    assert _selected_number(page) == numbers[1]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowDown")
    assert _selected_number(page) == numbers[1]
    row = page.locator(SELECTED)
    expect(row).to_be_focused()
    outline = row.evaluate("r => getComputedStyle(r).outlineStyle")
    assert outline == "solid", outline
    page.keyboard.press("Enter")
    page.wait_for_url(TICKET_URL)
    assert TICKET_URL.search(page.url).group(1) == numbers[1]
    expect(page.locator("#ticket-number")).to_have_text(numbers[1])
    # back on the list, the ticket just opened is still the selected one
    page.click("#nav-tickets")
    page.wait_for_url(re.compile(r"/agent$"))
    assert _selected_number(page) == numbers[1]
    page.keyboard.press("j")
    assert _selected_number(page) == numbers[2]


def test_phone_cards_take_the_selection_too(new_page):
    page = _agent_list(new_page, phone=True)
    first = page.locator(".pm-row").first.get_attribute("data-number")
    page.keyboard.press("j")
    assert _selected_number(page) == first
    expect(page.locator(SELECTED)).to_be_in_viewport()


def test_n_opens_a_new_ticket_and_r_focuses_the_reply_box(new_page):
    page = _agent_list(new_page)
    page.keyboard.press("n")
    page.wait_for_url(re.compile(r"/agent/new$"))
    page.go_back()
    page.wait_for_url(re.compile(r"/agent$"))
    page.locator(".pm-row .pm-number").first.click()
    page.wait_for_url(TICKET_URL)
    expect(page.locator("#reply-text")).to_be_visible()
    page.wait_for_function("window.__pmShortcuts === true")
    expect(page.locator("#reply-text")).not_to_be_focused()
    page.keyboard.press("r")
    expect(page.locator("#reply-text")).to_be_focused()
    expect(page.locator("#reply-text")).to_have_value("")  # the "r" is not typed


def test_question_mark_shows_the_shortcuts_and_escape_closes_them(new_page):
    page = _agent_list(new_page)
    dialog = page.locator("#pm-shortcuts")
    expect(dialog).to_be_hidden()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Skróty klawiszowe")
    expect(dialog.locator("kbd", has_text="Enter")).to_be_visible()
    page.keyboard.press("j")  # keys do nothing behind the open dialog
    expect(page.locator(SELECTED)).to_have_count(0)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    page.click("#pm-shortcuts-close")
    expect(dialog).to_be_hidden()
    page.click("#lang-en")
    page.keyboard.press("?")
    expect(dialog).to_contain_text("Keyboard shortcuts")
    page.keyboard.press("Escape")
    page.click("#lang-pl")


def test_a_remembered_search_says_so_and_clears(new_page):
    page = _agent_list(new_page)
    expect(page.locator("#search-note")).to_have_count(0)
    total = page.locator("#total").inner_text()
    number = page.locator(".pm-row").first.get_attribute("data-number")
    page.fill("#search", number)
    page.click("#search-go")
    expect(page.locator(".pm-row")).to_have_count(1)
    expect(page.locator("#search-note")).to_contain_text(f"Filtr: „{number}”")

    page.locator(".pm-row .pm-number").first.click()
    page.wait_for_url(TICKET_URL)
    page.click("#nav-tickets")
    page.wait_for_url(re.compile(r"/agent$"))
    expect(page.locator("#search-note")).to_contain_text(number)
    expect(page.locator(".pm-row")).to_have_count(1)
    expect(page.locator("#search")).to_have_value(number)

    page.click("#search-clear")
    expect(page.locator("#search-note")).to_have_count(0)
    expect(page.locator("#search")).to_have_value("")
    expect(page.locator("#total")).to_have_text(total)

    page.fill("#search", "no-such-ticket-xyz")
    page.click("#search-go")
    expect(page.locator(".pm-row")).to_have_count(0)
    expect(page.locator("#list-empty")).to_contain_text("no-such-ticket-xyz")
    expect(page.locator("#search-note")).to_be_visible()
    page.click("#search-clear")
    expect(page.locator(".pm-row").first).to_be_visible()


def test_clear_search_keeps_the_other_filters(new_page):
    page = _agent_list(new_page)
    page.click("#quick-mine")
    expect(page.locator("#f-assignee")).to_have_value("mine")
    page.fill("#search", "no-such-ticket-xyz")
    page.click("#search-go")
    expect(page.locator("#search-note")).to_be_visible()
    page.click("#search-clear")
    expect(page.locator("#search-note")).to_have_count(0)
    expect(page.locator("#f-assignee")).to_have_value("mine")


def test_the_keyboard_button_tells_a_mouse_user_about_the_shortcuts(new_page):
    page = _agent_list(new_page)
    button = page.locator("#nav-shortcuts")
    expect(button).to_have_attribute("title", "Skróty klawiszowe (naciśnij ?)")
    button.click()
    dialog = page.locator("#pm-shortcuts")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # a phone has no keyboard for them: no button there
    phone = _agent_list(new_page, phone=True)
    expect(phone.locator("#nav-menu")).to_be_visible()
    expect(phone.locator("#nav-shortcuts")).to_be_hidden()
