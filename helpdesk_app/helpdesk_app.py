"""The Reflex app: pages, the live-update lifespan task and our HTTP routes."""

from __future__ import annotations

import asyncio

import reflex as rx

from helpdesk_app import pages
from helpdesk_app.api.guard import guard
from helpdesk_app.api.routes import build_api, session_alive
from helpdesk_app.jobs.backup import run_backup_scheduler
from helpdesk_app.jobs.ldap_sync import run_ldap_sync_scheduler
from helpdesk_app.jobs.mail_worker import run_mail
from helpdesk_app.jobs.retention import run_retention_scheduler
from helpdesk_app.jobs.scheduler import run_scheduler, run_substitution_scheduler
from helpdesk_app.state.event_guard import EventArgumentGuard
from helpdesk_app.state.live import dispatch_changes
from helpdesk_app.state.session import SessionState


async def _tab_signed_in(client_token: str) -> bool:
    """Whether the browser tab behind an upload request has a live session (its cookie
    value lives in the tab's SessionState; the DB check runs off the event loop)."""
    root = await app.state_manager.get_state(
        rx.BaseStateToken(ident=client_token, cls=SessionState))
    token = (await root.get_state(SessionState)).token
    return bool(token) and await asyncio.to_thread(session_alive, token)


app = rx.App(
    stylesheets=["/pomocnik.css"],
    head_components=[rx.el.meta(name="viewport",
                                content="width=device-width, initial-scale=1")],
    # Our HTTP routes in front of Reflex's, then security headers and the upload gate
    # around everything the app serves.
    api_transformer=[build_api(), guard(_tab_signed_in)],
)
# Crafted events whose arguments do not fit the handler stop here: one log line, no change.
app.add_middleware(EventArgumentGuard())
app.register_lifespan_task(dispatch_changes)
# SLA sweeps (warnings, breaches, escalations) on a background thread; a DB lease makes
# only one process per deployment run them.
app.register_lifespan_task(run_scheduler)
# Substitutions start and end at their boundaries (issue 13): the same kind of leader lease.
app.register_lifespan_task(run_substitution_scheduler)
# Mail: the SMTP listener, the inbound pipeline thread, the outbox sender, IMAP polling.
app.register_lifespan_task(run_mail)
# Scheduled backups with rotation when POMOCNIK_BACKUP_DIR is set (issue 16), leader-locked.
app.register_lifespan_task(run_backup_scheduler)
# The directory sync (issue 16): accounts follow LDAP / AD, leader-locked.
app.register_lifespan_task(run_ldap_sync_scheduler)
# RODO retention rules (issue 16), when configured; leader-locked.
app.register_lifespan_task(run_retention_scheduler)

pages.add_all(app)  # every page the modules in pages/ declared with @page
