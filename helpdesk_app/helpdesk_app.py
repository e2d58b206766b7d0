"""The Reflex app: pages, the live-update lifespan task and our HTTP routes."""

from __future__ import annotations

import asyncio

import reflex as rx

from helpdesk_app.api.guard import guard
from helpdesk_app.api.routes import build_api, session_alive
from helpdesk_app.jobs.mail_worker import run_mail
from helpdesk_app.jobs.scheduler import run_scheduler
from helpdesk_app.pages.admin_checklists import admin_checklists_page
from helpdesk_app.pages.admin_fields import admin_fields_page
from helpdesk_app.pages.admin_mail import admin_mail_page
from helpdesk_app.pages.admin_sla import admin_sla_page
from helpdesk_app.pages.admin_workflow import admin_workflow_page
from helpdesk_app.pages.agent_list import agent_list_page
from helpdesk_app.pages.login import index_page, login_page
from helpdesk_app.pages.new_ticket import agent_new_ticket_page, client_new_ticket_page
from helpdesk_app.pages.notification_prefs import notification_prefs_page
from helpdesk_app.pages.notifications import notifications_page
from helpdesk_app.pages.portal import portal_page
from helpdesk_app.pages.sla_board import sla_board_page
from helpdesk_app.pages.ticket import agent_ticket_page, client_ticket_page
from helpdesk_app.state.admin_checklists import AdminChecklistsState
from helpdesk_app.state.admin_fields import AdminFieldsState
from helpdesk_app.state.admin_mail import AdminMailState
from helpdesk_app.state.admin_sla import AdminSlaState
from helpdesk_app.state.admin_workflow import AdminWorkflowState
from helpdesk_app.state.agent_list import AgentListState
from helpdesk_app.state.event_guard import EventArgumentGuard
from helpdesk_app.state.live import dispatch_changes
from helpdesk_app.state.new_ticket import NewTicketState
from helpdesk_app.state.notification_prefs import NotificationPrefsState
from helpdesk_app.state.notifications import NotificationState
from helpdesk_app.state.portal import PortalState
from helpdesk_app.state.session import LoginState, SessionState
from helpdesk_app.state.sla_board import SlaBoardState
from helpdesk_app.state.ticket import TicketState


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
# Mail: the SMTP listener, the inbound pipeline thread, the outbox sender, IMAP polling.
app.register_lifespan_task(run_mail)

app.add_page(index_page, route="/", on_load=SessionState.check_home, title="Pomocnik")
app.add_page(login_page, route="/login", on_load=LoginState.on_load, title="Pomocnik — login")
app.add_page(agent_list_page, route="/agent", on_load=AgentListState.on_load,
             title="Pomocnik — tickets")
app.add_page(agent_new_ticket_page, route="/agent/new", on_load=NewTicketState.on_load,
             title="Pomocnik — new ticket")
app.add_page(agent_ticket_page, route="/agent/tickets/[ticket_number]",
             on_load=TicketState.on_load, title="Pomocnik — ticket")
app.add_page(admin_sla_page, route="/admin/sla", on_load=AdminSlaState.on_load,
             title="Pomocnik — SLA configuration")
app.add_page(admin_checklists_page, route="/admin/checklists",
             on_load=AdminChecklistsState.on_load, title="Pomocnik — checklists")
app.add_page(admin_workflow_page, route="/admin/workflow",
             on_load=AdminWorkflowState.on_load, title="Pomocnik — statuses")
app.add_page(admin_fields_page, route="/admin/fields",
             on_load=AdminFieldsState.on_load, title="Pomocnik — custom fields")
app.add_page(admin_mail_page, route="/admin/mail", on_load=AdminMailState.on_load,
             title="Pomocnik — e-mail")
app.add_page(sla_board_page, route="/agent/sla", on_load=SlaBoardState.on_load,
             title="Pomocnik — SLA board")
app.add_page(notifications_page, route="/agent/notifications",
             on_load=NotificationState.on_load, title="Pomocnik — notifications")
app.add_page(notifications_page, route="/portal/notifications",
             on_load=NotificationState.on_load_portal, title="Pomocnik — notifications")
app.add_page(notification_prefs_page, route="/settings/notifications",
             on_load=NotificationPrefsState.on_load,
             title="Pomocnik — notification settings")
app.add_page(portal_page, route="/portal", on_load=PortalState.on_load, title="Pomocnik")
app.add_page(client_new_ticket_page, route="/portal/new", on_load=NewTicketState.on_load,
             title="Pomocnik — new ticket")
app.add_page(client_ticket_page, route="/portal/tickets/[ticket_number]",
             on_load=TicketState.on_load, title="Pomocnik — ticket")
