"""The session cookie's own HTTP routes, so the token is `HttpOnly` (no script can read it).

POST /api/session — the sign-in page, once every step passed, submits its one-time claim
  here (a plain form POST, full navigation); the answer sets
  `pomocnik_session=...; HttpOnly; SameSite=Lax; Path=/` (+ `Secure` when the base URL is
  https) and reloads the sign-in page, whose new websocket carries the cookie (its on_load
  then forwards the user to their start page).
POST /api/session/logout — ends the session and expires the cookie.

CSRF: both refuse a request whose Origin (or, without one, Referer) is not ours, besides
SameSite; a claim is single-use, short-lived and bound to the address and browser that
signed in, so a claim obtained elsewhere cannot be planted in a victim's browser.
"""

from __future__ import annotations

import asyncio

from reflex.config import get_config
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from helpdesk_app import routes
from helpdesk_app.config import get_settings
from helpdesk_app.db import session_scope
from helpdesk_app.domain import auth, signin
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import AuthFailed


def client_of(request: Request) -> signin.Client:
    """Address and browser as the Reflex websocket sees them (same trusted-proxy rule, so
    a claim made over the socket matches here)."""
    ip = request.client.host if request.client else "0.0.0.0"
    hops = get_config().trusted_proxy_hops
    if hops:
        forwarded = [p.strip() for p in request.headers.get("x-forwarded-for", "").split(",")
                     if p.strip()]
        if len(forwarded) >= hops:
            ip = forwarded[-hops]
    return signin.Client(ip=ip, user_agent=request.headers.get("user-agent", ""))


def _ours(request: Request) -> bool:
    settings = get_settings()
    allowed = {o.rstrip("/") for o in (*settings.cors_origins, settings.base_url)}
    origin = request.headers.get("origin")
    if origin:
        return origin.rstrip("/") in allowed
    referer = request.headers.get("referer", "")
    return any(referer == a or referer.startswith(a + "/") for a in allowed)


def set_session_cookie(response: Response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(auth.SESSION_COOKIE, token, max_age=settings.session_absolute_hours * 3600,
                        path="/", httponly=True, samesite="lax",
                        secure=settings.base_url.startswith("https://"))


def _claim(claim: str, client: signin.Client) -> tuple[str, Actor]:
    with session_scope() as db:
        return signin.claim(db, claim, client)


def _logout(token: str | None) -> None:
    with session_scope() as db:
        auth.logout(db, token)


async def create_session(request: Request) -> Response:
    if not _ours(request):
        return PlainTextResponse("Forbidden", status_code=403)
    form = await request.form()
    try:
        token, _actor = await asyncio.to_thread(_claim, str(form.get("claim", "")),
                                               client_of(request))
    except AuthFailed:
        return RedirectResponse(routes.LOGIN, status_code=303)
    # Back to the sign-in page, whose on_load (now with the cookie on its websocket) sends
    # the user on to their start page as in-app navigation: the start page's URL stays
    # exactly /agent or /portal (a full load would end at /agent/).
    response = RedirectResponse(routes.LOGIN, status_code=303)
    set_session_cookie(response, token)
    response.headers["Cache-Control"] = "no-store"
    return response


async def end_session(request: Request) -> Response:
    if not _ours(request):
        return PlainTextResponse("Forbidden", status_code=403)
    await asyncio.to_thread(_logout, request.cookies.get(auth.SESSION_COOKIE))
    response = Response(status_code=204)
    response.delete_cookie(auth.SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=get_settings().base_url.startswith("https://"))
    return response
