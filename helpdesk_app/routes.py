"""Every route of the app, in one place (pages, states, mail links and the nav use these).

Plain constants, no Reflex: the domain (links in mail) may import this too.
"""

from __future__ import annotations

from helpdesk_app.models import Role

HOME = "/"
LOGIN = "/login"

AGENT = "/agent"
AGENT_NEW = "/agent/new"
AGENT_TICKETS = "/agent/tickets/"  # + number
AGENT_TICKET = AGENT_TICKETS + "[ticket_number]"
SLA_BOARD = "/agent/sla"
AGENT_NOTIFICATIONS = "/agent/notifications"

PORTAL = "/portal"
PORTAL_NEW = "/portal/new"
PORTAL_TICKETS = "/portal/tickets/"  # + number
PORTAL_TICKET = PORTAL_TICKETS + "[ticket_number]"
PORTAL_NOTIFICATIONS = "/portal/notifications"

SETTINGS_NOTIFICATIONS = "/settings/notifications"

ADMIN_SLA = "/admin/sla"
ADMIN_WORKFLOW = "/admin/workflow"
ADMIN_FIELDS = "/admin/fields"
ADMIN_CHECKLISTS = "/admin/checklists"
ADMIN_MAIL = "/admin/mail"

# Who may open a page (the page decorator and the handler toolkit both check this).
ANYONE: frozenset[str] = frozenset(Role.ALL)
STAFF: frozenset[str] = frozenset(Role.STAFF)
CLIENTS: frozenset[str] = frozenset({Role.CLIENT})
COORDINATION: frozenset[str] = frozenset({Role.ADMIN, Role.COORDINATOR})
ADMINS: frozenset[str] = frozenset({Role.ADMIN})


def start_page(is_staff: bool) -> str:
    return AGENT if is_staff else PORTAL


def ticket_page(number: str, *, staff: bool) -> str:
    return (AGENT_TICKETS if staff else PORTAL_TICKETS) + number
