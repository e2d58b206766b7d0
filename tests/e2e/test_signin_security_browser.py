"""Sign-in security in the browser: TOTP enrolment and sign-in with a code (computed with
pyotp), a code by e-mail read from the real SMTP sink, a recovery code that works once, a
role that requires 2FA forced to enrol, the throttling message, sign out other sessions,
and the session cookie out of reach of scripts (HttpOnly).

Each test signs in as a fresh user of its own (the demo accounts stay as other tests
expect them)."""

from __future__ import annotations

import re
import sqlite3
import time
import uuid

import pyotp
from e2e_support import AGENT, CLIENT, DEMO_PASSWORD, insert_user, login, mail_to
from playwright.sync_api import expect

ADMIN = "admin@pomocnik.example"
# the sign-in page speaks the browser's language (Polish by default) until signed in
WRONG_CODE = "Ten kod jest nieprawidłowy. Sprawdź go i spróbuj ponownie."


def _db(app_server) -> sqlite3.Connection:
    return sqlite3.connect(app_server.data_dir / "pomocnik.db")


def _fresh_user(app_server, role: str = "technician") -> str:
    """A new account with the demo password (English, so texts are predictable)."""
    email = f"sec-{uuid.uuid4().hex[:10]}@pomocnik.example"
    insert_user(app_server, email, "Sec Tester", like=CLIENT if role == "client" else AGENT,
                role=role)
    return email


def _password_step(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#login-submit")
    # the password check runs off the event loop: on a loaded machine it takes a moment
    expect(page.locator("#code, #enrol-required, .pm-error").first).to_be_visible(
        timeout=15_000)


def _next_code(secret: str) -> str:
    # The step after the current one: accepted (clock-skew window) and never a replay of
    # the code used a moment ago for the enrolment.
    return pyotp.TOTP(secret).at(time.time() + 30)


def _enrol_totp(page) -> tuple[str, list[str]]:
    page.goto("/settings/security")
    page.fill("#sec-factor-password", DEMO_PASSWORD)
    page.click("#sec-totp-on")
    expect(page.locator("#sec-qr")).to_be_visible()
    secret = page.locator("#sec-secret").inner_text().strip()
    page.fill("#sec-code", pyotp.TOTP(secret).now())
    page.click("#sec-confirm")
    expect(page.locator("#sec-totp-state")).to_have_text("on")
    codes = page.locator("#recovery-codes .pm-recovery-code")
    expect(codes).to_have_count(10)
    return secret, [c.strip() for c in codes.all_inner_texts()]


def test_totp_enrol_then_sign_in_with_a_code_and_no_replay(new_page, app_server):
    email = _fresh_user(app_server)
    page = new_page()
    login(page, email)
    secret, _codes = _enrol_totp(page)
    expect(page.locator("#sec-secret")).to_have_count(0)  # the secret is not shown again

    other = new_page()
    _password_step(other, email)
    expect(other.locator("#code")).to_be_visible()
    assert "/login" in other.url  # no session before the second step
    code = _next_code(secret)
    other.fill("#code", code)
    other.click("#code-submit")
    other.wait_for_url(re.compile(r"/agent/?$"))
    expect(other.locator("#current-user")).to_have_text("Sec Tester")

    # The same code again (another browser): refused, no session.
    third = new_page()
    _password_step(third, email)
    third.fill("#code", code)
    third.click("#code-submit")
    expect(third.locator(".pm-error")).to_have_text(WRONG_CODE)
    assert "/login" in third.url


def test_the_session_cookie_is_httponly(new_page, app_server):
    page = new_page()
    login(page, _fresh_user(app_server))
    cookie = next(c for c in page.context.cookies() if c["name"] == "pomocnik_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert "pomocnik_session" not in page.evaluate("document.cookie")
    # and signing out ends it for good
    page.click("#logout")
    page.wait_for_url(re.compile(r"/login/?$"))
    deadline = time.monotonic() + 10  # the cookie route's answer may still be on its way
    while any(c["name"] == "pomocnik_session" for c in page.context.cookies()):
        assert time.monotonic() < deadline, "the session cookie was not expired"
        page.wait_for_timeout(100)
    page.goto("/agent")
    page.wait_for_url(re.compile(r"/login/?$"))


def test_email_code_sign_in_reads_the_code_from_the_mail(new_page, app_server, outbound_sink):
    email = _fresh_user(app_server)
    page = new_page()
    login(page, email)
    page.goto("/settings/security")
    page.fill("#sec-factor-password", DEMO_PASSWORD)
    page.click("#sec-email-on")
    expect(page.locator("#sec-email-state")).to_have_text("on")
    expect(page.locator("#recovery-codes .pm-recovery-code")).to_have_count(10)

    other = new_page(phone=True)
    _password_step(other, email)
    other.click("#send-code")
    expect(other.locator("#signin-info")).to_be_visible()
    mail = mail_to(outbound_sink, email)
    assert mail is not None, "no sign-in code reached the SMTP sink"
    assert mail.message()["Subject"] == "Your Pomocnik sign-in code"
    code = re.search(r"\b(\d{6})\b", mail.message().get_body(("plain",)).get_content()).group(1)
    other.fill("#code", code)
    other.click("#code-submit")
    other.wait_for_url(re.compile(r"/agent/?$"))


def test_a_recovery_code_works_once(new_page, app_server):
    email = _fresh_user(app_server, role="client")
    page = new_page()
    login(page, email)
    _secret, codes = _enrol_totp(page)

    second = new_page()
    _password_step(second, email)
    second.click("#use-recovery")
    second.fill("#code", codes[0])
    second.click("#code-submit")
    second.wait_for_url(re.compile(r"/portal/?$"))

    third = new_page()
    _password_step(third, email)
    third.click("#use-recovery")
    third.fill("#code", codes[0])
    third.click("#code-submit")
    expect(third.locator(".pm-error")).to_have_text(WRONG_CODE)


def test_a_role_that_requires_2fa_is_forced_to_enrol(new_page, app_server):
    email = _fresh_user(app_server, role="coordinator")
    admin = new_page()
    login(admin, ADMIN)
    admin.goto("/admin/security")
    try:
        admin.click("#req-coordinator")
        expect(admin.locator("#req-coordinator")).to_have_attribute("data-state", "checked")
        page = new_page(phone=True)
        _password_step(page, email)
        expect(page.locator("#enrol-required")).to_be_visible()
        expect(page.locator("#enrol-qr")).to_be_visible()
        secret = page.locator("#enrol-secret").inner_text().strip()
        page.fill("#code", pyotp.TOTP(secret).now())
        page.click("#enrol-submit")
        expect(page.locator("#recovery-codes .pm-recovery-code")).to_have_count(10)
        page.click("#codes-saved")
        page.wait_for_url(re.compile(r"/agent/?$"))
        page.goto("/settings/security")
        expect(page.locator("#sec-totp-state")).to_have_text("on")
    finally:  # the other tests sign coordinators in with a password only
        with _db(app_server) as conn:
            conn.execute("UPDATE security_policy SET require_2fa = 0")


def test_repeated_wrong_passwords_get_the_neutral_throttling_message(new_page, app_server):
    email = _fresh_user(app_server)
    page = new_page()
    _password_step(page, email, "not-the-password")
    for _ in range(7):  # 5 free, then each attempt (refused or not) doubles the delay
        page.fill("#password", "not-the-password")
        page.click("#login-submit")
        expect(page.locator(".pm-error")).to_be_visible()
    # now even the right password waits (an unknown device): the same neutral message
    page.fill("#password", DEMO_PASSWORD)
    page.click("#login-submit")
    expect(page.locator(".pm-error")).to_have_text(
        "Nieprawidłowy e-mail lub hasło albo zbyt wiele prób — spróbuj ponownie za chwilę.")
    page.wait_for_timeout(2000)  # no navigation to a start page follows
    assert "/login" in page.url
    expect(page.locator(".pm-error")).to_be_visible()


def test_sign_out_all_other_sessions(new_page, app_server):
    email = _fresh_user(app_server)
    laptop, phone = new_page(), new_page(phone=True)
    login(laptop, email)
    login(phone, email)
    phone.goto("/settings/security")
    expect(phone.locator(".pm-session-row")).to_have_count(2)
    phone.click("#sec-end-others")
    expect(phone.locator(".pm-session-row")).to_have_count(1)
    laptop.goto("/agent")
    laptop.wait_for_url(re.compile(r"/login/?$"))
