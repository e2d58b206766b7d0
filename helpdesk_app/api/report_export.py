"""Report downloads (issue 14), authenticated by the session cookie like the other routes:

- GET /api/reports/export.csv|.xlsx?table=<key>&<filters>: one table of the reports page,
  built for the signed-in person (the reports domain re-checks "reports.view" and the
  scope); audited before the first byte (domain/report_exports.py).
- GET /api/reports/files/<token>: a file a background export wrote; only for the person
  who made it (anyone else, or a made-up token, gets 404).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response, StreamingResponse

from helpdesk_app.api.attachments import disposition
from helpdesk_app.db import session_scope
from helpdesk_app.domain import auth, report_exports, report_files, worktime_parsing
from helpdesk_app.domain.errors import DomainError, Forbidden, NotFound
from helpdesk_app.i18n import t
from helpdesk_app.models import Role
from helpdesk_app.models.base import utcnow

_TYPES = {"csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "zip": "application/zip"}


def _headers(name: str) -> dict[str, str]:
    return {"Content-Disposition": disposition("attachment", name),
            "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}


async def export_table(request: Request) -> Response:
    fmt = request.path_params["fmt"]
    if fmt not in _TYPES:
        return PlainTextResponse("Not found", status_code=404)
    query = {k: v[:100] for k, v in request.query_params.items()}
    key = query.pop("table", "")
    with session_scope() as db:
        actor = auth.resolve_session(db, request.cookies.get(auth.SESSION_COOKIE))
        if actor is None:
            return PlainTextResponse("Not logged in", status_code=401)
        try:
            today = worktime_parsing.local_date(utcnow(), actor.timezone)
            table = report_exports.table_for(db, actor, key, query, today)
            address = request.client.host if request.client else None
            report_exports.record(db, actor, key, query, fmt, address=address)
        except Forbidden:
            return PlainTextResponse("Forbidden", status_code=403)
        except NotFound:
            return PlainTextResponse("Not found", status_code=404)
        except DomainError as e:
            return PlainTextResponse(t(e.key, actor.language, **e.params), status_code=400)
    name = report_exports.filename(key, query, fmt)
    title = t(f"reports.table.{key}", actor.language)
    return StreamingResponse(report_exports.table_chunks(table, fmt, actor.language, title),
                             media_type=_TYPES[fmt], headers=_headers(name))


async def download_export(request: Request) -> Response:
    token = request.path_params["token"]
    with session_scope() as db:
        actor = auth.resolve_session(db, request.cookies.get(auth.SESSION_COOKIE))
        if actor is None:
            return PlainTextResponse("Not logged in", status_code=401)
    found = report_files.find_export(token, actor.user_id)
    if found is None:
        return PlainTextResponse("Not found", status_code=404)
    path, name = found
    if path.suffix == ".zip" and actor.role != Role.ADMIN:  # a RODO export: admins only,
        return PlainTextResponse("Not found", status_code=404)  # even its maker if demoted
    return FileResponse(path, media_type=_TYPES.get(path.suffix.lstrip("."),
                                                    "application/octet-stream"),
                        headers=_headers(name))
