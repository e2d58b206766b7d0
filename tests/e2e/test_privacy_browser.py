"""RODO in the browser (issue 16): a client opens a ticket; an admin finds them on
/admin/privacy, exports their data in the background and downloads the ZIP (nobody else
can), previews the erasure, confirms it by typing the address, and the agent's ticket
page then shows the pseudonym where the client's name was."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile

from e2e_support import AGENT, CLIENT, insert_user, login
from playwright.sync_api import expect

ADMIN = "admin@pomocnik.example"


def _fresh_client(app_server) -> tuple[str, str]:
    """A new client of the demo client's organisation, with the demo password."""
    email = f"rodo-{uuid.uuid4().hex[:8]}@wodociagi-lodz.example"
    name = f"Roman Odo {uuid.uuid4().hex[:4]}"
    insert_user(app_server, email, name, like=CLIENT, role="client", phone="+48 601 222 333")
    return email, name


def test_an_admin_exports_then_erases_a_clients_data(new_page, app_server) -> None:
    email, name = _fresh_client(app_server)
    client = new_page(phone=True)
    login(client, email)
    client.goto("/portal/new")
    subject = f"Printer broken, {name} here"
    client.fill("#n-subject", subject)
    client.fill("#n-body", f"Call me: +48 601 222 333, {email}")
    client.click("#n-submit")
    client.wait_for_url(re.compile(r"/portal/tickets/\d{4}-\d{6}"))
    number = client.url.rsplit("/", 1)[-1]

    admin = new_page()
    login(admin, ADMIN)
    admin.goto("/admin/privacy")
    admin.fill("#pv-email", email.upper())
    admin.click("#pv-find")
    expect(admin.locator("#pv-person")).to_contain_text(name)

    admin.click("#pv-export")
    link = admin.locator("#pv-export-download")
    expect(link).to_be_visible(timeout=30_000)
    href = link.get_attribute("href")
    got = admin.request.get(href)
    assert got.ok
    with zipfile.ZipFile(io.BytesIO(got.body())) as zf:
        assert json.loads(zf.read("tickets.json"))[0]["subject"] == subject
        assert json.loads(zf.read("profile.json"))["account"]["email"] == email
    agent = new_page()
    login(agent, AGENT)
    assert agent.request.get(href).status == 404  # another person's export: not even seen

    admin.click("#pv-preview")
    expect(admin.locator("#pv-plan")).to_contain_text("ticket.subject")
    admin.fill("#pv-confirm", "wrong@example.test")
    admin.click("#pv-erase")
    expect(admin.locator("[role=alert]").first).to_be_visible()
    admin.fill("#pv-confirm", email)
    admin.click("#pv-erase")
    expect(admin.locator("#pv-erased")).to_contain_text("Anonim")

    agent.goto(f"/agent/tickets/{number}")
    expect(agent.locator("#timeline")).to_contain_text("Anonim")
    page_text = agent.locator("body").inner_text()
    assert name not in page_text and email not in page_text and "601 222 333" not in page_text
