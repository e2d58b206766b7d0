"""POST /api/session: a sign-in claim becomes an HttpOnly session cookie (once, same
browser, our origin only); POST /api/session/logout ends it."""

from __future__ import annotations

import httpx
import pytest
from async_support import run_async
from sqlmodel import Session

from helpdesk_app.api.routes import build_api
from helpdesk_app.config import get_settings
from helpdesk_app.domain import auth, signin, throttle
from helpdesk_app.domain.auth import SESSION_COOKIE
from helpdesk_app.models import Role, User

BASE = "http://pomocnik.test"
UA = "Mozilla/5.0 Test"
# httpx's ASGI transport presents the client as 127.0.0.1
BROWSER = signin.Client(ip="127.0.0.1", user_agent=UA)


@pytest.fixture
def app_db(db: Session, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Session:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("POMOCNIK_BASE_URL", BASE)
    get_settings.cache_clear()
    throttle.reset()
    return db


@pytest.fixture
def user(make) -> User:
    return make.user(make.org(), Role.TECHNICIAN, email="tech@example.test")


def _post(path: str, *, data: dict | None = None, origin: str | None = BASE,
          cookies: dict | None = None) -> httpx.Response:
    headers = {"user-agent": UA}
    if origin:
        headers["origin"] = origin

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_api()),
                                     base_url=BASE, cookies=cookies) as c:
            return await c.post(path, data=data, headers=headers)

    return run_async(go())


def _claim(db: Session, user: User, client: signin.Client = BROWSER) -> str:
    return signin.sign_in(db, user.email, "correct-horse-battery", client).claim


def test_a_claim_sets_an_httponly_cookie_and_reloads_the_sign_in_page(app_db, user):
    response = _post("/api/session", data={"claim": _claim(app_db, user)})
    # the sign-in page's on_load, now signed in, forwards to the start page
    assert response.status_code == 303 and response.headers["location"] == "/login"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # http base URL
    token = response.cookies[SESSION_COOKIE]
    assert auth.resolve_session(app_db, token).user_id == user.id


def test_the_cookie_is_secure_when_the_base_url_is_https(app_db, user, monkeypatch):
    monkeypatch.setenv("POMOCNIK_BASE_URL", "https://pomocnik.test")
    get_settings.cache_clear()
    response = _post("/api/session", data={"claim": _claim(app_db, user)},
                     origin="https://pomocnik.test")
    assert "Secure" in response.headers["set-cookie"]


def test_a_foreign_origin_is_refused_and_the_claim_stays_unused(app_db, user):
    claim = _claim(app_db, user)
    assert _post("/api/session", data={"claim": claim},
                 origin="https://evil.example").status_code == 403
    assert _post("/api/session", data={"claim": claim}, origin=None).status_code == 403
    assert _post("/api/session", data={"claim": claim}).status_code == 303


def test_a_used_or_foreign_claim_goes_back_to_the_login(app_db, user):
    claim = _claim(app_db, user)
    assert _post("/api/session", data={"claim": claim}).status_code == 303
    again = _post("/api/session", data={"claim": claim})
    assert again.status_code == 303 and "set-cookie" not in again.headers
    elsewhere = _claim(app_db, user, signin.Client(ip="10.9.9.9", user_agent=UA))
    assert "set-cookie" not in _post("/api/session", data={"claim": elsewhere}).headers


def test_logout_ends_the_session_and_expires_the_cookie(app_db, user):
    token = _post("/api/session", data={"claim": _claim(app_db, user)}).cookies[SESSION_COOKIE]
    response = _post("/api/session/logout", cookies={SESSION_COOKIE: token})
    assert response.status_code == 204
    assert 'pomocnik_session=""' in response.headers["set-cookie"]
    assert auth.resolve_session(app_db, token) is None
