"""Reading the files of an upload event without holding an oversize one in memory."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.domain.attachments import IncomingFile, validate_sizes


async def read_uploads(files: list[rx.UploadFile]) -> list[IncomingFile]:
    """The files' bytes, after their declared sizes and count passed the attachment rules
    (raises the same DomainError as the write would, before reading anything)."""
    validate_sizes([(f.name or "file", f.size or 0) for f in files])
    return [IncomingFile(f.name or "file", await f.read(), f.content_type or "")
            for f in files]
