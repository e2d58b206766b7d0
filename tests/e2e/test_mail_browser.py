"""Mail to the running app's SMTP listener becomes a ticket that appears live on the
agent's open list; the client's reply by mail lands on the same ticket and the agent's
open ticket page shows it without a reload."""

from __future__ import annotations

import re
import smtplib
import uuid
from email.message import EmailMessage

from e2e_support import AGENT, CLIENT, SMTP_PORT, login
from playwright.sync_api import expect

CHANNEL = "pomoc@pomocnik.example"
LIVE_TIMEOUT_MS = 10_000


def _send(subject: str, body: str) -> None:
    msg = EmailMessage()
    msg["From"] = f"Ewa Lewandowska <{CLIENT}>"
    msg["To"] = CHANNEL
    msg["Subject"] = subject
    msg.set_content(body)
    with smtplib.SMTP("127.0.0.1", SMTP_PORT, timeout=30) as smtp:
        smtp.send_message(msg)


def test_mail_becomes_a_ticket_live_and_a_reply_by_mail_lands_on_it(new_page):
    agent = new_page()
    login(agent, AGENT)
    agent.wait_for_url(re.compile(r"/agent$"))
    token = uuid.uuid4().hex[:8]
    subject = f"Skaner nie skanuje {token}"
    agent.fill("#search", token)  # the list shows only this (future) ticket
    agent.click("#search-go")
    expect(agent.locator(".pm-row")).to_have_count(0)
    _send(subject, "Dzień dobry, skaner w recepcji pokazuje błąd E42.")
    row = agent.locator(".pm-row", has_text=subject)
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT_MS)  # no reload: the list is live
    number = row.get_attribute("data-number")
    assert number and re.fullmatch(r"\d{4}-\d{6}", number)

    agent.goto(f"/agent/tickets/{number}")
    expect(agent.locator("#ticket-subject")).to_have_text(subject)
    expect(agent.locator("#h-channel")).to_have_text("E-mail")
    expect(agent.locator("#timeline")).to_contain_text("błąd E42")

    _send(f"Odp: [#{number}] {subject}", "Już działa, dziękuję!\n\n> Dzień dobry, skaner...")
    expect(agent.locator("#timeline")).to_contain_text("Już działa, dziękuję!",
                                                       timeout=LIVE_TIMEOUT_MS)

    client = new_page(phone=True)
    login(client, CLIENT)
    client.goto(f"/portal/tickets/{number}")
    expect(client.locator("#timeline")).to_contain_text("Już działa, dziękuję!")
