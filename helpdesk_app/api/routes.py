"""The Starlette app mounted in front of Reflex's backend via `api_transformer`."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route

from helpdesk_app.api.attachments import download_attachment


def build_api() -> Starlette:
    return Starlette(routes=[
        Route("/api/attachments/{attachment_id}", download_attachment, methods=["GET"]),
    ])
