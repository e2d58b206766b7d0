"""GET /api/audit.csv: the audit log as CSV for Excel, with the page's filters as query
parameters (area, text, day_from, day_to as ISO dates; actor_id, target_type, target_id).

Authenticated by the session cookie like the other routes; admins only (anyone else gets
403, no session 401). The export is itself logged (`audit.exported`) and committed
before the first row is sent; the rows stream in batches, so a large log never sits in
memory whole."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from helpdesk_app.db import session_scope
from helpdesk_app.domain import access, audit, auth
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import DomainError, Forbidden
from helpdesk_app.i18n import t


def _query(request: Request, actor: Actor) -> audit.AuditQuery:
    p = request.query_params

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(p[name]) if p.get(name) else None
        except ValueError:
            raise DomainError("date.invalid", value=p[name][:30]) from None

    actor_id = p.get("actor_id", "")
    return audit.AuditQuery(
        area=p.get("area", ""), action=p.get("action", ""),
        actor_id=int(actor_id) if actor_id.isdigit() else None,
        target_type=p.get("target_type", "")[:40], target_id=p.get("target_id", "")[:64],
        text=p.get("text", "")[:audit.TEXT_MAX], day_from=day("day_from"),
        day_to=day("day_to"), tz=actor.timezone)


async def export_audit(request: Request) -> Response:
    with session_scope() as db:
        actor = auth.resolve_session(db, request.cookies.get(auth.SESSION_COOKIE))
        if actor is None:
            return PlainTextResponse("Not logged in", status_code=401)
        try:
            access.require_admin(actor)
            q = _query(request, actor)
            address = request.client.host if request.client else None
            audit.record_export(db, actor, q, address=address)
        except Forbidden:
            return PlainTextResponse("Forbidden", status_code=403)
        except DomainError as e:
            return PlainTextResponse(t(e.key, actor.language, **e.params), status_code=400)

    def body() -> Iterator[bytes]:
        # Its own session: the response streams after this handler has returned.
        with session_scope() as stream_db:
            yield from audit.export_chunks(stream_db, actor, q, actor.language,
                                           actor.timezone)

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{audit.csv_filename()}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    })
