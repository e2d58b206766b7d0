"""The admin Mail page in the browser: an address added through the form; a staff member's
new mail sent over real SMTP lands in quarantine, "create ticket anyway" keeps it there and
says why; a client's mail is done, linked to its ticket; the raw message downloads, for
admins only; the page is for admins only."""

from __future__ import annotations

import re
import smtplib
import time
import uuid
from email.message import EmailMessage

from e2e_support import AGENT, CLIENT, SMTP_PORT, login
from playwright.sync_api import expect

ADMIN = "admin@pomocnik.example"
CHANNEL = "pomoc@pomocnik.example"
WAIT_S = 45  # mail is processed every second; generous for a loaded CI machine


def _send(sender: str, subject: str, body: str = "Dzień dobry, proszę o pomoc.") -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, CHANNEL, subject
    msg.set_content(body)
    with smtplib.SMTP("127.0.0.1", SMTP_PORT, timeout=30) as smtp:
        smtp.send_message(msg)


def _mail_row(page, subject: str, status: str):
    """Show `status` in the mail log and refresh until the message with `subject` is there
    (it arrives asynchronously: nothing pushes it into an open page)."""
    page.select_option("#ml-filter", value=status)
    expect(page.locator("#ml-filter")).to_have_value(status)
    row = page.locator(f'.pm-mail-row[data-subject="{subject}"]')
    deadline = time.monotonic() + WAIT_S
    while row.count() == 0 and time.monotonic() < deadline:
        page.click("#ml-refresh")
        try:
            expect(row).to_have_count(1, timeout=1_000)
        except AssertionError:
            continue
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", status)
    return row


def _open(page) -> None:
    login(page, ADMIN)
    page.click("#nav-admin-mail")
    page.wait_for_url(re.compile(r"/admin/mail$"))
    expect(page.locator(f'.pm-channel-row[data-address="{CHANNEL}"]')).to_be_visible()


def test_admin_adds_an_address_and_works_the_quarantine(new_page):
    page = new_page()
    _open(page)
    toast = page.locator("[data-sonner-toast]")

    # An address through the form; a bad one is refused with the form kept.
    address = f"serwis-{uuid.uuid4().hex[:6]}@pomocnik.example"
    page.click("#mc-new")
    page.fill("#mc-address", "serwis bez małpy")
    page.fill("#mc-name", "Serwis E2E")
    page.click("#mc-save")
    expect(page.locator(".pm-error")).to_contain_text("Popraw zaznaczone pola")
    expect(page.locator("#mc-address-error")).to_contain_text("Podaj poprawny adres e-mail")
    expect(page.locator("#mc-name")).to_have_value("Serwis E2E")
    page.fill("#mc-address", address)
    page.select_option("#mc-queue", index=1)
    page.click("#mc-save")
    expect(toast.filter(has_text="Adres zapisany")).to_be_visible()
    row = page.locator(f'.pm-channel-row[data-address="{address}"]')
    expect(row).to_contain_text("Serwis E2E")
    expect(page.locator("#mc-imap-password")).to_have_value("")

    # Staff cannot open a ticket by mail: quarantined with the translated reason.
    subject = "Nowy temat od technika " + uuid.uuid4().hex[:8]
    _send(AGENT, subject)
    quarantined = _mail_row(page, subject, "quarantined")
    reason = "Nowa wiadomość od pracownika"
    expect(quarantined.locator(".pm-mail-reason")).to_contain_text(reason)
    mail_id = quarantined.get_attribute("data-id")

    # The raw message downloads for the admin, exactly as received.
    download = quarantined.locator(".pm-mail-download")
    expect(download).to_have_attribute("href", f"/api/mail/{mail_id}.eml")
    response = page.request.get(f"/api/mail/{mail_id}.eml")
    assert response.status == 200
    assert response.headers["content-type"] == "message/rfc822"
    assert subject.encode() in response.body()

    # "Create ticket anyway" cannot make a staff member a requester: it stays, and says so.
    page.click(f"#ml-force-{mail_id}")
    expect(toast.filter(has_text=reason)).to_be_visible()
    expect(toast.filter(has_text=reason)).to_contain_text("W kwarantannie")
    expect(quarantined).to_have_attribute("data-status", "quarantined")
    expect(page.locator(f"#ml-retry-{mail_id}")).to_be_visible()

    # A client's mail becomes a ticket, linked from the log.
    subject = "Awaria wodomierza " + uuid.uuid4().hex[:8]
    _send(CLIENT, subject)
    done = _mail_row(page, subject, "done")
    link = done.locator(".pm-mail-ticket")
    expect(link).to_have_text(re.compile(r"^\d{4}-\d{6}$"))
    number = link.inner_text()
    expect(done).to_contain_text("Nowe zgłoszenie")
    expect(page.locator(f"#ml-force-{done.get_attribute('data-id')}")).to_have_count(0)
    link.click()
    page.wait_for_url(re.compile(rf"/agent/tickets/{number}$"))
    expect(page.locator("#ticket-subject")).to_have_text(subject)

    # The download is the admin's alone.
    for who in (AGENT, CLIENT):
        other = new_page()
        login(other, who)
        assert other.request.get(f"/api/mail/{mail_id}.eml").status == 404
    assert new_page().request.get(f"/api/mail/{mail_id}.eml").status == 401


def test_mail_page_is_for_admins_only(new_page):
    agent = new_page()
    login(agent, AGENT)
    expect(agent.locator("#nav-tickets")).to_be_visible()
    assert agent.locator("#nav-admin-mail").count() == 0
    agent.goto("/admin/mail")
    agent.wait_for_url(re.compile(r"/agent$"))

    client = new_page()
    login(client, CLIENT)
    client.goto("/admin/mail")
    client.wait_for_url(re.compile(r"/portal$"))
