"""Notification settings in the browser: reached from the top bar, a box unticked and saved
stays unticked after a reload; clients get their own events only, and a bell."""

from __future__ import annotations

import re

from e2e_support import AGENT2, OTHER_ORG_CLIENT, login
from playwright.sync_api import expect

FLIP = {"checked": "unchecked", "unchecked": "checked"}


def _box(page, event: str, channel: str):
    return page.locator(f'.pm-pref[data-event="{event}"][data-channel="{channel}"]')


def _open_settings(page) -> None:
    page.click("#nav-settings")
    page.wait_for_url(re.compile(r"/settings/notifications$"))
    expect(page.locator("#np-save")).to_be_enabled()


def test_agent_unticks_a_box_saves_and_it_stays_unticked(new_page):
    page = new_page()
    login(page, AGENT2)
    _open_settings(page)
    box = _box(page, "status_change", "in_app")
    before = box.get_attribute("data-state")
    untouched = _box(page, "assignment", "email").get_attribute("data-state")
    box.click()
    expect(box).to_have_attribute("data-state", FLIP[before])
    queue = page.locator('.pm-pref-scope[data-scope="queue_ids"]').first
    queue_id = queue.get_attribute("data-id")
    queue_before = queue.get_attribute("data-state")
    queue.click()

    page.click("#np-save")
    expect(page.locator("[data-sonner-toast]").first).to_contain_text(
        "Zapisano ustawienia powiadomień")

    page.reload()
    expect(page.locator("#np-save")).to_be_enabled()
    expect(_box(page, "status_change", "in_app")).to_have_attribute("data-state", FLIP[before])
    expect(_box(page, "assignment", "email")).to_have_attribute("data-state", untouched)
    expect(page.locator(f'.pm-pref-scope[data-scope="queue_ids"][data-id="{queue_id}"]')
           ).to_have_attribute("data-state", FLIP[queue_before])


def test_client_settings_and_bell(new_page):
    page = new_page(phone=True)
    login(page, OTHER_ORG_CLIENT)
    expect(page.locator("#nav-notifications")).to_be_visible()  # clients have a bell too
    _open_settings(page)
    events = [r.get_attribute("data-event")
              for r in page.locator("#np-table tbody tr").all()]
    assert events == ["public_reply", "status_change", "ticket_closed"]  # nothing internal
    assert page.locator(".pm-pref-scope").count() == 0  # no scope for clients

    box = _box(page, "ticket_closed", "email")
    before = box.get_attribute("data-state")
    box.click()
    page.click("#np-save")
    expect(page.locator("[data-sonner-toast]").first).to_be_visible()
    page.reload()
    expect(page.locator("#np-save")).to_be_enabled()
    expect(_box(page, "ticket_closed", "email")).to_have_attribute("data-state", FLIP[before])

    page.click("#nav-notifications")
    page.wait_for_url(re.compile(r"/portal/notifications$"))
    expect(page.locator(".pm-notif, #notif-empty").first).to_be_visible()


def test_settings_need_a_login(new_page):
    page = new_page()
    page.goto("/settings/notifications")
    page.wait_for_url(re.compile(r"/login$"))
