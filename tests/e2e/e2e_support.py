"""Constants and steps shared by the browser tests."""

from __future__ import annotations

DEMO_PASSWORD = "pomocnik-demo"
AGENT = "anna.nowak@pomocnik.example"
AGENT2 = "piotr.zielinski@pomocnik.example"
CLIENT = "ewa.lewandowska@wodociagi-lodz.example"  # plain client, Wodociągi
CLIENT_REQUESTER_LABEL = "Ewa Lewandowska (Miejskie Wodociągi Łódź S.A.)"
OTHER_ORG_CLIENT = "michal.kaminski@dabrowski-law.example"
# Attachments above 1 MB are refused on this test server, so the limit is testable quickly.
MAX_MB = 1


def login(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#login-submit")
    page.wait_for_url(lambda url: "/login" not in url)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The test app's own SMTP listener (tests/e2e/conftest.py starts the app with it).
SMTP_PORT = _free_port()
