"""GET /api/attachments/{id}: the only way attachment bytes leave the server.

The session cookie is resolved to an actor and the access policy decides, exactly as for
the ticket page. Unknown, invisible and internal-note attachments all answer 404.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response

from helpdesk_app.db import session_scope
from helpdesk_app.domain import attachments, auth
from helpdesk_app.domain.errors import NotFound

# Types a browser may show inline without running anything; everything else downloads.
_INLINE_SAFE = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
                "text/plain"}


def disposition(kind: str, filename: str) -> str:
    """A Content-Disposition with an ASCII fallback name and the exact UTF-8 one."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


async def download_attachment(request: Request) -> Response:
    try:
        attachment_id = int(request.path_params["attachment_id"])
    except (KeyError, ValueError):
        return PlainTextResponse("Not found", status_code=404)
    with session_scope() as db:
        actor = auth.resolve_session(db, request.cookies.get(auth.SESSION_COOKIE))
        if actor is None:
            return PlainTextResponse("Not logged in", status_code=401)
        try:
            row, path = attachments.open_attachment(db, actor, attachment_id)
        except NotFound:
            return PlainTextResponse("Not found", status_code=404)
    inline = row.content_type in _INLINE_SAFE and request.query_params.get("download") != "1"
    return FileResponse(
        path,
        media_type=row.content_type if inline else "application/octet-stream",
        headers={
            "Content-Disposition": disposition("inline" if inline else "attachment",
                                                row.filename),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
