"""A browser tab shared by two people (a client on a shared computer after an agent).

Reflex keeps server state per tab, so sign-out and sign-in must leave nothing of the
previous user behind. The test reads every websocket frame the tab receives after the
agent signs out, as a hostile client would in the browser's developer tools.
"""

from __future__ import annotations

import re
import uuid

from e2e_support import AGENT, CLIENT, CLIENT_REQUESTER_LABEL, login
from playwright.sync_api import expect


def _create_ticket_with_note(page, subject: str, note: str) -> str:
    page.goto("/agent/new")
    page.select_option("#n-requester", label=CLIENT_REQUESTER_LABEL)
    page.fill("#n-subject", subject)
    page.fill("#n-body", "Opis problemu")
    page.click("#n-submit")
    page.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))
    page.click("#reply-note")
    page.fill("#reply-text", note)
    page.click("#reply-send")
    expect(page.locator("#timeline")).to_contain_text(note)
    return page.locator("#ticket-number").inner_text().strip()


def test_client_signing_in_after_agent_in_same_tab_receives_nothing_of_the_agents(new_page):
    tag = uuid.uuid4().hex[:8]
    note = f"TAJNA-NOTATKA-{tag}"
    page = new_page()
    frames: list[str] = []
    recording = {"on": False}

    def on_ws(ws):
        def got(payload):
            if recording["on"]:
                frames.append(payload if isinstance(payload, str) else payload.decode("utf-8",
                                                                                      "replace"))
        ws.on("framereceived", got)

    page.on("websocket", on_ws)
    login(page, AGENT)
    _create_ticket_with_note(page, f"Wspólny komputer {tag}", note)
    # The agent list holds other organisations' requesters and the agents' names.
    page.goto("/agent")
    expect(page.locator("#ticket-table")).to_contain_text("Dąbrowsk")

    page.click("#logout")
    page.wait_for_url(re.compile(r"/login"))
    # From here on the agent is signed out. (Earlier, a live refresh of the agent's list -
    # the SLA sweep runs every 2 s here - may still rightly reach the agent.) Events of a
    # tab are processed one at a time, so nothing of the agent's can arrive after this.
    recording["on"] = True
    page.reload()  # the login page's own hydrate: where a stale state would be sent
    page.wait_for_selector("#email")
    login(page, CLIENT)
    page.wait_for_url(re.compile(r"/portal"))
    expect(page.locator("#portal-list")).to_contain_text(tag)  # the client's own ticket
    page.wait_for_timeout(500)  # let the last deltas arrive
    received = "\n".join(frames)

    assert received, "no websocket traffic recorded after sign-out"
    assert note not in received
    assert "Dąbrowsk" not in received and "dabrowski-law" not in received
    # Staff e-mail addresses (the agent list's directory); an agent's *name* may rightly
    # appear, as the author of a public reply on one of the client's own tickets.
    assert "@pomocnik.example" not in received
