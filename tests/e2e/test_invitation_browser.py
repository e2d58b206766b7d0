"""Invitation in a browser: an admin invites a user who has no password yet (created from
mail); the user opens the link from the mail, sets a password and signs in. The used link
does not work a second time."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default as default_policy

from playwright.sync_api import expect
from sqlmodel import Session, select

from helpdesk_app.db import make_engine
from helpdesk_app.domain import invitations
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.auth import NO_PASSWORD
from helpdesk_app.models import Organisation, OutboundMail, Role, User

PASSWORD = "kawa-z-mlekiem-o-siodmej"


def _invite(app_server, email: str) -> str:
    """As the admin's "send invitation" button will: returns the link path from the mail."""
    engine = make_engine(f"sqlite:///{app_server.data_dir / 'pomocnik.db'}")
    try:
        with Session(engine, expire_on_commit=False) as db:
            admin = db.exec(select(User).where(User.email == "admin@pomocnik.example")).one()
            org = db.exec(select(Organisation).where(
                Organisation.name == "Northwind Logistics Ltd")).one()
            user = User(email=email, full_name="Harriet Jones", password_hash=NO_PASSWORD,
                        role=Role.CLIENT, organisation_id=org.id, language="en")
            db.add(user)
            db.commit()
            invitations.send_invitation(db, Actor.from_user(admin), user.id)
            mail = db.exec(select(OutboundMail).where(OutboundMail.to_addr == email)).one()
            text = message_from_bytes(mail.raw, policy=default_policy).get_body(
                preferencelist=("plain",)).get_content()
    finally:
        engine.dispose()
    return re.search(r"https?://[^/\s]+(/invite/[A-Za-z0-9_\-]+)", text).group(1)


def test_invite_accept_and_sign_in(new_page, app_server) -> None:
    link = _invite(app_server, "harriet.jones@northwind.example")
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
