"""The HTTP guard in front of the app: security headers everywhere, and an upload endpoint
that refuses anonymous and oversize requests before their bytes are held anywhere."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from helpdesk_app.api.guard import Guard
from helpdesk_app.config import get_settings

MB = 1024 * 1024
GOOD_TAB = "tab-signed-in"


@pytest.fixture
def limit_2mb(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POMOCNIK_MAX_UPLOAD_MB", "2")
    get_settings.cache_clear()
    yield 2 * MB
    get_settings.cache_clear()


def _client(read: list[int]) -> TestClient:
    async def upload(request: Request):
        n = 0
        async for chunk in request.stream():
            n += len(chunk)
            read.append(n)
        return PlainTextResponse(f"got {n}")

    async def page(_request: Request):
        return PlainTextResponse("page")

    inner = Starlette(routes=[Route("/_upload", upload, methods=["POST"]),
                              Route("/agent", page)])

    async def tab_signed_in(token: str) -> bool:
        return token == GOOD_TAB

    return TestClient(Guard(inner, tab_signed_in))


def _chunks(total: int, size: int = 256 * 1024):
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_every_page_carries_the_security_headers(limit_2mb):
    r = _client([]).get("/agent")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"


def test_anonymous_upload_is_refused_before_its_body_is_read(limit_2mb):
    read: list[int] = []
    r = _client(read).post("/_upload", content=b"x" * MB,
                           headers={"Reflex-Client-Token": "someone-elses-tab"})
    assert r.status_code == 401 and read == []
    r = _client(read).post("/_upload", content=b"x" * MB)
    assert r.status_code == 401 and read == []


def test_declared_oversize_upload_is_refused_before_reading(limit_2mb):
    read: list[int] = []
    r = _client(read).post("/_upload", content=b"x" * (3 * MB),
                           headers={"Reflex-Client-Token": GOOD_TAB})
    assert r.status_code == 413 and read == []


def test_undeclared_oversize_upload_stops_at_the_limit_while_streaming(limit_2mb):
    read: list[int] = []
    r = _client(read).post("/_upload", content=_chunks(40 * MB),
                           headers={"Reflex-Client-Token": GOOD_TAB})
    assert r.status_code == 413
    assert max(read, default=0) <= limit_2mb  # the handler never saw more than the limit
    assert r.headers["x-frame-options"] == "DENY"


def test_upload_within_the_limit_reaches_the_handler(limit_2mb):
    read: list[int] = []
    r = _client(read).post("/_upload", content=_chunks(MB),
                           headers={"Reflex-Client-Token": GOOD_TAB})
    assert r.status_code == 200 and r.text == f"got {MB}"
