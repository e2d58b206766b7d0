"""On a long ticket the reply box stays reachable: "Reply" at the top scrolls to it and
puts the cursor in it; the reader may read newest first (the box then sits on top), and
the choice is remembered by the browser."""

from __future__ import annotations

import re

from e2e_support import CLIENT, login
from playwright.sync_api import expect


def test_jump_to_reply_and_newest_first_on_a_phone(new_page):
    page = new_page(phone=True)
    login(page, CLIENT)
    page.wait_for_url(re.compile(r"/portal$"))
    page.locator("#portal-list .pm-row").first.click()  # an open ticket
    page.wait_for_url(re.compile(r"/portal/tickets/\d{4}-\d{6}$"))
    for i in range(6):  # a long timeline
        page.fill("#reply-text", f"Wiadomość {i}\n" + "Dłuższy opis problemu.\n" * 8)
        page.click("#reply-send")
        # sent when the box is emptied by the server: only then type the next one
        expect(page.locator("#reply-text")).to_have_value("", timeout=15_000)
        expect(page.locator("#timeline")).to_contain_text(f"Wiadomość {i}", timeout=15_000)
    page.evaluate("window.scrollTo(0, 0)")
    expect(page.locator("#reply-text")).not_to_be_in_viewport()
    page.click("#jump-reply")
    expect(page.locator("#reply-text")).to_be_in_viewport()
    expect(page.locator("#reply-text")).to_be_focused()

    timeline = page.locator("#timeline")
    expect(timeline).to_have_attribute("data-order", "oldest")
    expect(timeline.locator(".pm-event").last).to_contain_text("Wiadomość 5")
    page.click("#newest-first")
    expect(timeline).to_have_attribute("data-order", "newest")
    expect(timeline.locator(".pm-event").first).to_contain_text("Wiadomość 5")
    # the box is above the timeline now
    box_y = page.locator("#reply-box").bounding_box()["y"]
    assert box_y < timeline.bounding_box()["y"]
    page.reload()
    expect(page.locator("#timeline")).to_have_attribute("data-order", "newest")
    expect(page.locator("#timeline .pm-event").first).to_contain_text("Wiadomość 5")
    page.click("#newest-first")  # back to the default for the other tests
    expect(page.locator("#timeline")).to_have_attribute("data-order", "oldest")
