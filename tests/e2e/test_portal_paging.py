"""The client portal on a 390×844 phone: a total, pages of 20, open / closed / all
filters, search by subject that says it is active (and clears), a clear empty state -
without horizontal scrolling."""

from __future__ import annotations

import re

from e2e_support import CLIENT, login
from playwright.sync_api import expect

NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"
CLOSED_LABELS = ("Rozwiązane", "Zamknięte")


def _total(page) -> int:
    return int(re.match(r"\d+", page.locator("#portal-total").inner_text()).group())


def test_portal_pages_filters_and_searches_on_a_phone(new_page):
    page = new_page(phone=True)
    login(page, CLIENT)
    page.wait_for_url(re.compile(r"/portal$"))
    expect(page.locator("#portal-total")).to_contain_text("zgłosze")
    expect(page.locator("#filter-active")).to_have_attribute("data-state", "on")
    active = _total(page)
    for badge in page.locator(".pm-row .rt-Badge").all_inner_texts():
        assert badge not in CLOSED_LABELS
    assert page.evaluate(NO_SIDEWAYS)

    page.click("#filter-closed")
    expect(page.locator("#filter-closed")).to_have_attribute("data-state", "on")
    expect(page.locator("#portal-list .pm-row").first).to_be_visible()
    closed = _total(page)
    for badge in page.locator(".pm-row .rt-Badge").all_inner_texts():
        assert badge in CLOSED_LABELS

    page.click("#filter-all")
    expect(page.locator("#portal-total")).to_contain_text(str(active + closed))
    total = active + closed
    assert total > 20, "the demo client has more than one page of tickets"
    rows = page.locator("#portal-list .pm-row")
    expect(rows).to_have_count(20)
    pages = -(-total // 20)
    expect(page.locator("#page-info")).to_contain_text(f"1 / {pages}")
    expect(page.locator("#page-prev")).to_be_disabled()
    first = rows.first.get_attribute("data-number")
    page.click("#page-next")
    expect(page.locator("#page-info")).to_contain_text(f"2 / {pages}")
    expect(rows.first).not_to_have_attribute("data-number", first)
    expect(rows).to_have_count(min(20, total - 20))
    assert page.evaluate(NO_SIDEWAYS)
    page.click("#page-prev")
    expect(rows.first).to_have_attribute("data-number", first)

    # search by a word of a subject: the list says it is filtered, and by what
    word = max(rows.first.locator(".pm-portal-subject").inner_text().split(), key=len)
    page.fill("#lookup", word)
    page.click("#lookup-go")
    expect(page.locator("#search-note")).to_contain_text(word)
    expect(rows.first).to_be_visible()
    for subject in page.locator(".pm-portal-subject").all_inner_texts():
        assert word.lower() in subject.lower()
    assert _total(page) <= total
    page.click("#search-clear")
    expect(page.locator("#search-note")).to_have_count(0)
    expect(page.locator("#lookup")).to_have_value("")
    expect(page.locator("#portal-total")).to_contain_text(str(total))

    # nothing found: a clear message, not an empty-looking list
    page.fill("#lookup", "nie-ma-takiego-zgłoszenia")
    page.click("#lookup-go")
    expect(page.locator("#portal-empty")).to_contain_text("nie-ma-takiego-zgłoszenia")
    expect(page.locator("#search-note")).to_be_visible()
    expect(rows).to_have_count(0)
    assert page.evaluate(NO_SIDEWAYS)
    page.click("#empty-clear")
    expect(rows).to_have_count(20)
