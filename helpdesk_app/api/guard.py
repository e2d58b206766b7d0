"""ASGI middleware in front of everything the app serves: security headers on every HTTP
response, and the gate for Reflex's upload endpoint.

Reflex's `/_upload` accepts any POST and parses the whole multipart body before the event
handler (which re-checks the actor) runs. This gate answers before reading the body:
401 unless the tab (`Reflex-Client-Token`) belongs to a live session, 413 when the declared
`Content-Length` is over the limit; while the body streams it keeps a running count and
stops at the limit, so an oversize upload never reaches memory or disk.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpdesk_app.config import get_settings

log = logging.getLogger(__name__)

UPLOAD_PATH = "/_upload"

# Reflex renders with inline styles (Emotion/Radix) and runs the scripts the server sends
# (toasts, rx.call_script) through eval, so those need 'unsafe-inline' / 'unsafe-eval'; what
# the policy still gives: scripts, styles, images and connections from our own origin only,
# no plugins, no framing, no foreign <base> or form targets.
_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        "font-src 'self' data:; connect-src 'self' {connect}; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
)

# (client token) -> whether the tab has a live session; given by the app module, which
# knows the state tree (this module must not import state/).
TabCheck = Callable[[str], Awaitable[bool]]


def upload_limit_bytes() -> int:
    return get_settings().max_upload_bytes


def _csp() -> bytes:
    base = get_settings().base_url
    ws = base.replace("https://", "wss://").replace("http://", "ws://")
    return _CSP.format(connect=ws).encode()


class _TooLarge(Exception):
    """Raised from the body stream to stop a parser that is still reading."""


async def _answer(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    def __init__(self, app: ASGIApp, tab_signed_in: TabCheck) -> None:
        self.app = app
        self.tab_signed_in = tab_signed_in
        self.csp = _csp()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = self._with_headers(send)
        if scope["method"] == "POST" and scope["path"].rstrip("/").endswith(UPLOAD_PATH):
            await self._upload(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _with_headers(self, send: Send) -> Send:
        csp = self.csp

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [h for h in SECURITY_HEADERS if h[0] not in present]
                if b"content-security-policy" not in present:  # attachments set a stricter one
                    extra.append((b"content-security-policy", csp))
                message = {**message, "headers": headers + extra}
            await send(message)

        return wrapped

    async def _upload(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        client_token = headers.get(b"reflex-client-token", b"").decode("latin-1")
        if not client_token or not await self.tab_signed_in(client_token):
            await _answer(send, 401, "Not logged in")
            return
        limit = upload_limit_bytes()
        declared = headers.get(b"content-length", b"").decode("latin-1")
        if declared.isdigit() and int(declared) > limit:
            await _answer(send, 413, "Upload too large")
            return
        seen, over = 0, False

        async def counting_receive() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    raise _TooLarge
            return message

        async def gated_send(message: Message) -> None:
            if not over:  # the inner app's error answer to our stop becomes a plain 413
                await send(message)

        try:
            await self.app(scope, counting_receive, gated_send)
        except Exception:  # _TooLarge, or the parser's own error wrapping it
            if not over:
                raise
        if over:
            log.info("upload refused after %d bytes: over the %d-byte limit", seen, limit)
            await _answer(send, 413, "Upload too large")


def guard(tab_signed_in: TabCheck) -> Callable[[ASGIApp], ASGIApp]:
    """The api_transformer form Reflex expects: wraps the backend ASGI app."""
    return lambda app: Guard(app, tab_signed_in)

