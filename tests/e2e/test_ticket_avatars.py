"""People on the ticket page carry the same initials avatar as in the agent list: the
requester and assignee in the header, the author of each timeline item; "unassigned" has
none (and neither has a system line: tests/unit/test_timeline_titles.py)."""

from __future__ import annotations

import re
import uuid

from e2e_support import AGENT, CLIENT_REQUESTER_LABEL, login
from playwright.sync_api import expect


def _face_next_to(page, field_id: str):
    return page.locator(f"#{field_id}").locator("xpath=..").locator(".pm-avatar")


def test_header_and_timeline_show_initials_for_people(new_page):
    page = new_page()
    login(page, AGENT)
    page.goto("/agent/new")
    page.select_option("#n-requester", label=CLIENT_REQUESTER_LABEL)
    page.fill("#n-subject", "Awatar " + uuid.uuid4().hex[:6])
    page.click("#n-submit")
    page.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))

    expect(_face_next_to(page, "h-requester")).to_have_text("EL")  # Ewa Lewandowska
    expect(_face_next_to(page, "h-requester")).to_have_attribute("title", "Ewa Lewandowska")
    expect(page.locator("#h-assignee")).to_have_text("Nieprzypisane")
    expect(_face_next_to(page, "h-assignee")).to_have_count(0)

    page.select_option("#e-assignee", label="Anna Nowak")
    page.click("#save-header")
    expect(page.locator("#h-assignee")).to_have_text("Anna Nowak")
    expect(_face_next_to(page, "h-assignee")).to_have_text("AN")

    page.fill("#reply-text", "Sprawdzam drukarkę na miejscu.")
    page.click("#reply-send")
    mine = page.locator("#timeline .pm-event", has_text="Sprawdzam drukarkę na miejscu.")
    expect(mine.locator(".pm-avatar")).to_have_text("AN")
    expect(mine.locator(".pm-avatar")).to_have_attribute("title", "Anna Nowak")
