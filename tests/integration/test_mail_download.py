"""GET /api/mail/{id}.eml: admins download a received message byte for byte; nobody else
learns anything (authenticated exactly like the attachment route)."""

from __future__ import annotations

import httpx
import pytest
from async_support import run_async
from sqlmodel import Session

from helpdesk_app.api.routes import build_api
from helpdesk_app.config import get_settings
from helpdesk_app.domain import auth
from helpdesk_app.domain.auth import SESSION_COOKIE
from helpdesk_app.mail.inbound import store
from helpdesk_app.models import MailSource

# Not UTF-8, CRLF, a NUL and a line that looks like HTML: must come back unchanged.
RAW = (b"From: =?iso-8859-2?q?Pawe=B3?= <pawel@firma.example>\r\n"
       b"To: helpdesk@pomocnik.test\r\nSubject: =?iso-8859-2?q?Zg=B3oszenie?=\r\n"
       b"Content-Type: text/plain; charset=iso-8859-2\r\n\r\n"
       b"Dzie\xf1 dobry \x00\r\n<script>alert(1)</script>\r\n")


@pytest.fixture
def app_db(db: Session, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Session:
    """The route opens its own sessions through get_engine(): point it at the test db."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    return db


def _get(path: str, token: str | None = None) -> httpx.Response:
    async def go() -> httpx.Response:
        cookies = {SESSION_COOKIE: token} if token is not None else None
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_api()),
                                     base_url="http://pomocnik.test", cookies=cookies) as c:
            return await c.get(path)

    return run_async(go())


def _stored(db: Session, raw: bytes = RAW) -> int:
    return store.store_raw(db, raw, source=MailSource.SMTP, mail_from="pawel@firma.example",
                           rcpt_to=["helpdesk@pomocnik.test"])


def _token(db: Session, world, key: str, password: str) -> str:
    token, _actor = auth.login(db, world.users[key].email, password)
    return token


def test_admin_gets_the_exact_bytes_as_a_download(app_db, world, password):
    mail_id = _stored(app_db)
    response = _get(f"/api/mail/{mail_id}.eml", _token(app_db, world, "admin", password))
    assert response.status_code == 200
    assert response.content == RAW
    assert response.headers["content-type"] == "message/rfc822"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="mail-{mail_id}.eml"')
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in response.headers["cache-control"]


@pytest.mark.parametrize("who", ["coordinator", "technician", "client", "client-manager"])
def test_everybody_else_gets_not_found(app_db, world, password, who):
    mail_id = _stored(app_db)
    response = _get(f"/api/mail/{mail_id}.eml", _token(app_db, world, who, password))
    assert response.status_code == 404
    assert b"firma.example" not in response.content and b"Dzie" not in response.content


def test_anonymous_and_dead_sessions_are_refused(app_db, world, password):
    mail_id = _stored(app_db)
    assert _get(f"/api/mail/{mail_id}.eml").status_code == 401
    assert _get(f"/api/mail/{mail_id}.eml", "forged-token").status_code == 401
    token = _token(app_db, world, "admin", password)
    auth.logout(app_db, token)
    response = _get(f"/api/mail/{mail_id}.eml", token)
    assert response.status_code == 401 and response.content != RAW


def test_unknown_and_malformed_ids_are_not_found(app_db, world, password):
    _stored(app_db)
    token = _token(app_db, world, "admin", password)
    for path in ("/api/mail/999999.eml", "/api/mail/abc.eml", "/api/mail/1", "/api/mail/-1.eml",
                 "/api/mail/1.eml.exe"):
        assert _get(path, token).status_code == 404, path
