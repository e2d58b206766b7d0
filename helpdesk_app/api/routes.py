"""The Starlette app mounted in front of Reflex's backend via `api_transformer`."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from helpdesk_app.api.attachments import download_attachment
from helpdesk_app.api.audit_export import export_audit
from helpdesk_app.api.report_export import download_export, export_table
from helpdesk_app.api.session import create_session, end_session
from helpdesk_app.db import session_scope
from helpdesk_app.domain import auth, mail_admin
from helpdesk_app.domain.errors import Forbidden, NotFound
from helpdesk_app.routes import SESSION_API


async def download_mail(request: Request) -> Response:
    """GET /api/mail/{id}.eml: a received message exactly as it arrived, for admins.

    Authenticated like the attachment route; a non-admin gets the same 404 as an unknown
    id, so the route does not even confirm that a message exists."""
    mail_id = request.path_params["mail_id"]
    with session_scope() as db:
        actor = auth.resolve_session(db, request.cookies.get(auth.SESSION_COOKIE))
        if actor is None:
            return PlainTextResponse("Not logged in", status_code=401)
        try:
            raw = mail_admin.raw_message(db, actor, mail_id)
        except (NotFound, Forbidden):
            return PlainTextResponse("Not found", status_code=404)
    return Response(raw, media_type="message/rfc822", headers={
        "Content-Disposition": f'attachment; filename="mail-{mail_id}.eml"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    })


def session_alive(token: str) -> bool:
    """Whether a session token still belongs to a signed-in, active user."""
    with session_scope() as db:
        return auth.resolve_session(db, token) is not None


def build_api() -> Starlette:
    return Starlette(routes=[
        Route("/api/attachments/{attachment_id}", download_attachment, methods=["GET"]),
        Route("/api/mail/{mail_id:int}.eml", download_mail, methods=["GET"]),
        Route("/api/audit.csv", export_audit, methods=["GET"]),  # routes.AUDIT_EXPORT_API
        Route("/api/reports/export.{fmt}", export_table, methods=["GET"]),
        Route("/api/reports/files/{token}", download_export, methods=["GET"]),
        # the HttpOnly session cookie (i12-signin)
        Route(SESSION_API, create_session, methods=["POST"]),
        Route(SESSION_API + "/logout", end_session, methods=["POST"]),
    ])
