"""Attachment storage outside any public folder, and the checked way to read one back."""

from __future__ import annotations

import hashlib
import mimetypes
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from helpdesk_app.config import get_settings
from helpdesk_app.domain import access
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import Invalid, NotFound
from helpdesk_app.models import Attachment, Ticket, TimelineEvent

MAX_FILES_PER_MESSAGE = 10
_UNSAFE = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)


@dataclass(frozen=True)
class IncomingFile:
    filename: str
    content: bytes
    content_type: str = ""


def safe_filename(name: str) -> str:
    """Keep a readable name (Polish letters too) but nothing that is a path or a control char."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").split("/")[-1])
    name = _UNSAFE.sub("_", name).strip(" .")
    return (name or "file")[:200]


def validate_sizes(files: list[tuple[str, int]], *, max_files: int | None = None) -> None:
    """Refuse too many files (`max_files`, default MAX_FILES_PER_MESSAGE) or a too big one,
    from (name, size) pairs: callers check declared sizes before reading any bytes."""
    limit = get_settings().max_attachment_bytes
    max_files = MAX_FILES_PER_MESSAGE if max_files is None else max_files
    if len(files) > max_files:
        raise Invalid("attachment.too_many", max=max_files)
    for name, size in files:
        if size > limit:
            raise Invalid("attachment.too_large", name=safe_filename(name),
                          max_mb=limit // (1024 * 1024))


def validate_files(files: list[IncomingFile], *, max_files: int | None = None) -> None:
    validate_sizes([(f.filename, len(f.content)) for f in files], max_files=max_files)


def _path_for(key: str) -> Path:
    root = get_settings().attachments_dir
    return root / key[:2] / key


def store_files(db: Session, actor: Actor, ticket: Ticket, event: TimelineEvent,
                files: list[IncomingFile]) -> list[Attachment]:
    """Write the bytes and the rows; the caller's commit makes them visible."""
    stored = []
    for f in files:
        key = uuid.uuid4().hex
        path = _path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f.content)
        name = safe_filename(f.filename)
        ctype = f.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        row = Attachment(
            ticket_id=ticket.id, event_id=event.id, filename=name, content_type=ctype[:120],
            size=len(f.content), sha256=hashlib.sha256(f.content).hexdigest(),
            storage_key=key, uploaded_by_id=actor.user_id,
        )
        db.add(row)
        stored.append(row)
    if stored:
        db.flush()
        event.data = {**(event.data or {}), "attachments": [a.id for a in stored]}
        db.add(event)
    return stored


def open_attachment(db: Session, actor: Actor, attachment_id: int) -> tuple[Attachment, Path]:
    """The attachment and where its bytes are, if `actor` may see the event it belongs to."""
    row = db.get(Attachment, attachment_id)
    if row is None:
        raise NotFound("attachment.not_found")
    ticket = db.get(Ticket, row.ticket_id)
    event = db.get(TimelineEvent, row.event_id) if row.event_id else None
    if ticket is None or event is None or not access.can_see_event(actor, ticket, event):
        raise NotFound("attachment.not_found")
    path = _path_for(row.storage_key)
    if not path.is_file():
        raise NotFound("attachment.not_found")
    return row, path
