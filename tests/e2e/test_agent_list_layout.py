"""The agent list as a technician sees it: every column on a 1440 px screen, "mine" and
"unassigned" one click away, cards with folded filters and a menu on a phone."""

from __future__ import annotations

from e2e_support import AGENT, login
from playwright.sync_api import expect


def test_desktop_shows_every_column_and_quick_filters(browser, app_server):
    ctx = browser.new_context(base_url=app_server.url, viewport={"width": 1440, "height": 900})
    page = ctx.new_page()
    try:
        login(page, AGENT)
        expect(page.locator(".pm-row").first).to_be_visible()
        for header in ("#sort-updated", "#sort-priority", "#sort-due"):
            box = page.locator(header).bounding_box()
            assert box["x"] + box["width"] <= 1440, header
        assignee = page.locator(".pm-row .pm-c-assignee").first.bounding_box()
        assert assignee["x"] + assignee["width"] <= 1440
        assert page.evaluate("document.documentElement.scrollWidth") <= 1440
        for select in page.locator("#filters select").all():  # no select cuts its text
            assert select.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), \
                select.get_attribute("id")

        page.click("#quick-mine")
        expect(page.locator("#quick-mine")).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#f-assignee")).to_have_value("mine")
        names = set(page.locator(".pm-row .pm-person-name").all_inner_texts())
        assert names <= {"Anna Nowak"}, names
        page.click("#quick-unassigned")
        expect(page.locator("#f-assignee")).to_have_value("unassigned")
        expect(page.locator(".pm-row .pm-avatar")).to_have_count(0)
        page.click("#quick-unassigned")  # again: back to anyone
        expect(page.locator("#f-assignee")).to_have_value("all")
        expect(page.locator(".pm-row .pm-avatar").first).to_be_visible()
        # one person, one colour, wherever they appear
        colours = page.locator(".pm-row .pm-person:not(.pm-nobody)").evaluate_all(
            "els => els.map(e => [e.title, "
            "getComputedStyle(e.querySelector('.pm-avatar')).backgroundColor])")
        by_name: dict[str, set[str]] = {}
        for name, colour in colours:
            by_name.setdefault(name, set()).add(colour)
        assert by_name and all(len(c) == 1 for c in by_name.values()), by_name
    finally:
        ctx.close()


def test_phone_cards_folded_filters_and_menu(new_page):
    page = new_page(phone=True)
    login(page, AGENT)
    card = page.locator(".pm-row").first
    expect(card).to_be_visible()
    for part in (".pm-number", ".pm-subject a", ".pm-status", ".pm-c-updated", ".pm-c-prio"):
        expect(card.locator(part).first).to_be_visible()
    assert card.bounding_box()["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    expect(page.locator("#f-status")).to_be_hidden()
    page.click("#filters-toggle")
    expect(page.locator("#f-status")).to_be_visible()

    # the top bar is one row; the menu holds the links, language and log out
    bar = page.locator(".pm-topbar").bounding_box()
    assert bar["height"] < 70, bar
    expect(page.locator("#nav-tickets")).to_be_hidden()
    expect(page.locator("#nav-notifications")).to_be_visible()
    page.click("#nav-menu")
    expect(page.locator("#nav-tickets")).to_be_visible()
    expect(page.locator("#lang-en")).to_be_visible()
    expect(page.locator("#logout")).to_be_visible()
    page.click("#nav-new")
    page.wait_for_url("**/agent/new")
    expect(page.locator("#nav-tickets")).to_be_hidden()  # the menu is closed again
