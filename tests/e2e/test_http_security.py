"""What the running app answers over plain HTTP: security headers on every route, and an
upload endpoint that refuses strangers and oversize bodies without reading them."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest

HEADERS = ("content-security-policy", "x-frame-options", "referrer-policy",
           "x-content-type-options")


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}


@pytest.mark.parametrize("path", ["/login", "/portal", "/agent/tickets/2026-000001",
                                  "/api/attachments/1", "/ping"])
def test_every_route_answers_with_security_headers(app_server, path):
    status, headers = _get(app_server.url + path)
    assert status in (200, 401, 404)
    for name in HEADERS:
        assert name in headers, f"{path} lacks {name}"
    assert headers["x-frame-options"] == "DENY"
    if path != "/api/attachments/1":  # that route sets its own, stricter policy
        assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_anonymous_40_mb_upload_is_refused_before_the_body_is_sent(app_server):
    u = urlparse(app_server.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.putrequest("POST", "/_upload")
    conn.putheader("Content-Type", "multipart/form-data; boundary=x")
    conn.putheader("Content-Length", str(40 * 1024 * 1024))
    conn.putheader("Reflex-Client-Token", "not-a-signed-in-tab")
    conn.putheader("Reflex-Event-Handler", "anything")
    conn.endheaders(b"--x\r\n")  # only the first bytes: the answer must not wait for more
    response = conn.getresponse()
    assert response.status == 401
    conn.close()
