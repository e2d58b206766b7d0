"""Invitation in a browser: an admin creates a user on /admin/users and sends an
invitation; the user opens the link from the mail (read at the SMTP relay), sets a
password and signs in. The used link does not work a second time."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default as default_policy

from e2e_support import login, mail_to
from playwright.sync_api import expect
from sqlmodel import Session, select

from helpdesk_app.db import make_engine
from helpdesk_app.models import OutboundMail

PASSWORD = "kawa-z-mlekiem-o-siodmej"


def _invite(new_page, outbound_sink, email: str) -> str:
    """The admin creates the user on /admin/users and presses "Send invitation"; returns the
    link path from the mail that reaches the SMTP relay."""
    admin = new_page()
    login(admin, "admin@pomocnik.example")
    admin.goto("/admin/users")
    admin.click("#user-new")
    admin.fill("#user-name", "Harriet Jones")
    admin.fill("#user-email", email)
    admin.select_option("#user-role", value="client")
    org = admin.locator("#user-org option", has_text="Northwind Logistics Ltd")
    admin.select_option("#user-org", value=org.get_attribute("value"))
    admin.select_option("#user-lang", value="en")
    admin.click("#user-save")
    expect(admin.locator("#user-invite")).to_be_visible()
    expect(admin.locator("#user-status")).to_be_visible()  # "no password yet"
    admin.click("#user-invite")
    expect(admin.locator("#admin-message")).to_contain_text(email)
    mail = mail_to(outbound_sink, email)
    assert mail is not None, "no invitation reached the SMTP relay"
    text = mail.message().get_body(("plain",)).get_content()
    return re.search(r"https?://[^/\s]+(/invite/[A-Za-z0-9_\-]+)", text).group(1)


def test_invite_accept_and_sign_in(new_page, outbound_sink) -> None:
    link = _invite(new_page, outbound_sink, "harriet.jones@northwind.example")
    page = new_page()
    page.goto(link)
    expect(page.locator("#account-heading")).to_contain_text("Harriet Jones")
    page.click("#lang-en")
    expect(page.locator("#password-submit")).to_have_text("Set password")
    page.fill("#new-password", PASSWORD)
    page.fill("#repeat-password", PASSWORD + "x")
    page.click("#password-submit")
    expect(page.locator("#repeat-password-error")).to_have_text("The passwords do not match.")
    page.fill("#repeat-password", PASSWORD)
    page.click("#password-submit")
    expect(page.locator("#account-done")).to_be_visible()
    page.click("#to-login")
    page.wait_for_url("**/login")
    page.fill("#email", "harriet.jones@northwind.example")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/portal")

    other = new_page(phone=True)
    other.goto(link)
    expect(other.locator("#link-invalid")).to_be_visible()
    expect(other.locator("#password-submit")).to_have_count(0)


def _last_mail_link(app_server, email: str, path: str) -> str | None:
    engine = make_engine(f"sqlite:///{app_server.data_dir / 'pomocnik.db'}")
    try:
        with Session(engine) as db:
            mail = db.exec(select(OutboundMail).where(OutboundMail.to_addr == email)
                           .order_by(OutboundMail.id.desc())).first()
            if mail is None:
                return None
            text = message_from_bytes(mail.raw, policy=default_policy).get_body(
                preferencelist=("plain",)).get_content()
    finally:
        engine.dispose()
    return re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[A-Za-z0-9_\-]+)",
                     text).group(1)


def test_forgot_password_mails_a_link_that_sets_a_new_one(new_page, app_server) -> None:
    email = "george.brown@northwind.example"  # a demo client
    page = new_page(phone=True)
    page.goto("/login")
    page.click("#forgot-password")
    page.wait_for_url("**/reset")
    page.fill("#reset-email", "nobody@northwind.example")
    page.click("#reset-submit")
    neutral = page.locator("#reset-sent").inner_text()
    assert _last_mail_link(app_server, "nobody@northwind.example", "/reset/") is None

    page.goto("/reset")
    page.wait_for_load_state("networkidle")
    page.fill("#reset-email", email)
    page.click("#reset-submit")
    expect(page.locator("#reset-sent")).to_have_text(neutral)  # the same answer
    expect(page.locator("#reset-email")).to_have_count(0)
    link = None
    for _ in range(20):  # the handler answers after the mail is committed; be patient
        link = link or _last_mail_link(app_server, email, "/reset/")
        page.wait_for_timeout(0 if link else 250)
    assert link, "no reset mail was queued"
    page.goto(link)
    page.fill("#new-password", PASSWORD)
    page.fill("#repeat-password", PASSWORD)
    page.click("#password-submit")
    expect(page.locator("#account-done")).to_be_visible()
    page.click("#to-login")
    page.wait_for_url("**/login")
    expect(page.locator("#email")).to_have_value(email)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/portal")
