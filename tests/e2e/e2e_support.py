"""Constants and steps shared by the browser tests."""

from __future__ import annotations

DEMO_PASSWORD = "pomocnik-demo"
AGENT = "anna.nowak@pomocnik.example"
AGENT2 = "piotr.zielinski@pomocnik.example"
CLIENT = "ewa.lewandowska@wodociagi-lodz.example"  # plain client, Wodociągi
CLIENT_REQUESTER_LABEL = "Ewa Lewandowska (Miejskie Wodociągi Łódź S.A.)"
OTHER_ORG_CLIENT = "michal.kaminski@dabrowski-law.example"
# The test app's POMOCNIK_SECRETS_KEY (a passphrase: its SHA-256 becomes the Fernet key).
E2E_SECRETS_KEY = "e2e-only-secrets-key-not-for-production-use"
# Attachments above 1 MB are refused on this test server, so the limit is testable quickly.
MAX_MB = 1


def mail_to(sink, email: str, *, wait_s: float = 20):
    """The first message the SMTP relay (`outbound_sink`) received for `email`, waiting
    for the app's outbox worker to send it; None when none arrived in `wait_s`."""
    import time

    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        mail = next((m for m in sink.messages if email in m.rcpt_tos), None)
        if mail is not None:
            return mail
        time.sleep(0.3)
    return None


def create_ticket(page, subject: str, body: str = "Opis problemu") -> str:
    """An agent's new phone ticket for the demo client; returns its number once its page
    shows it."""
    import re

    page.goto("/agent/new")
    page.select_option("#n-requester", label=CLIENT_REQUESTER_LABEL)
    page.fill("#n-subject", subject)
    page.fill("#n-body", body)
    page.click("#n-submit")
    page.wait_for_url(re.compile(r"/agent/tickets/\d{4}-\d{6}"))
    return page.locator("#ticket-number").inner_text().strip()


def login(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(lambda url: "/login" not in url)


def insert_user(app_server, email: str, name: str, *, like: str, role: str,
                language: str = "en", phone: str = "") -> None:
    """A new account straight into the test app's database, with the password hash and
    organisation of the demo account `like` (so it signs in with the demo password)."""
    import sqlite3

    with sqlite3.connect(app_server.data_dir / "pomocnik.db") as conn:
        pw, org = conn.execute("SELECT password_hash, organisation_id FROM user_account "
                               "WHERE email = ?", (like,)).fetchone()
        conn.execute(
            "INSERT INTO user_account (email, full_name, password_hash, role, organisation_id,"
            " is_client_manager, language, timezone, is_active, created_at, search_text,"
            " ldap_dn, ldap_login, phone, department) VALUES (?, ?, ?, ?, ?, 0, ?,"
            " 'Europe/Warsaw', 1, datetime('now'), ?, '', '', ?, '')",
            (email, name, pw, role, org, language, f"{name} {email}".lower(), phone))


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The test app's own SMTP listener (tests/e2e/conftest.py starts the app with it).
SMTP_PORT = _free_port()
