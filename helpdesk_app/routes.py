"""Every route of the app, in one place (pages, states, mail links and the nav use these).

Plain constants, no Reflex: the domain (links in mail) may import this too.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk_app.models import Role

HOME = "/"
LOGIN = "/login"

AGENT = "/agent"
AGENT_NEW = "/agent/new"
AGENT_TICKETS = "/agent/tickets/"  # + number
AGENT_TICKET = AGENT_TICKETS + "[ticket_number]"
SLA_BOARD = "/agent/sla"
REPORTS = "/agent/reports"  # issue 14: invoicing, workload, service (reports.view)
AGENT_NOTIFICATIONS = "/agent/notifications"

PORTAL = "/portal"
PORTAL_NEW = "/portal/new"
PORTAL_TICKETS = "/portal/tickets/"  # + number
PORTAL_TICKET = PORTAL_TICKETS + "[ticket_number]"
PORTAL_NOTIFICATIONS = "/portal/notifications"
PORTAL_WORK = "/portal/work"  # issue 14: a client manager's summary of work done for them

SETTINGS_NOTIFICATIONS = "/settings/notifications"

ATTACHMENTS_API = "/api/attachments/"  # + attachment id (served after the access check)
MAIL_API = "/api/mail/"  # + inbound mail id + ".eml" (admins)

ADMIN_SLA = "/admin/sla"
ADMIN_WORKFLOW = "/admin/workflow"
ADMIN_FIELDS = "/admin/fields"
ADMIN_CHECKLISTS = "/admin/checklists"
ADMIN_MAIL = "/admin/mail"
ADMIN_LDAP = "/admin/ldap"  # issue 16: directory sign-in (LDAP / Active Directory)
ADMIN_PRIVACY = "/admin/privacy"  # issue 16: RODO export, erasure, retention

# Audit log (issue 12): the admin page and its CSV export (admins; filters as query).
ADMIN_AUDIT = "/admin/audit"
AUDIT_EXPORT_API = "/api/audit.csv"
REPORTS_EXPORT_API = "/api/reports/export"  # + ".csv" / ".xlsx" ?table=<key>&<filters>
REPORTS_FILES_API = "/api/reports/files/"  # + token of a background export (its owner)
# directory administration (issue 12: organisations and users)
ADMIN_ORGANISATIONS = "/admin/organisations"
ADMIN_USERS = "/admin/users"
# queues and roles (i12-roles)
ADMIN_QUEUES = "/admin/queues"
ADMIN_ROLES = "/admin/roles"
# Account lifecycle (i12-setup): first-run setup, invitations, password reset. Public pages.
SETUP = "/setup"
INVITE = "/invite/"  # + token (the link in the invitation mail)
INVITE_PAGE = INVITE + "[token]"
RESET = "/reset"  # "forgot password": ask for a link
RESET_LINK = "/reset/"  # + token (the link in the reset mail)
RESET_PAGE = RESET_LINK + "[token]"
# sign-in security (i12-signin): the user's own security page, the admin's
SETTINGS_SECURITY = "/settings/security"
ADMIN_SECURITY = "/admin/security"
SESSION_API = "/api/session"  # POST: claim -> HttpOnly cookie; + "/logout"
# substitutions (issue 13): my absences and whom I stand in for (staff)
SETTINGS_SUBSTITUTIONS = "/settings/substitutions"
# work time (issue 14): activity types, contract rates, locking billed time
ADMIN_WORKTIME = "/admin/worktime"

# Who may open a page (the page decorator and the handler toolkit both check this).
ANYONE: frozenset[str] = frozenset(Role.ALL)
STAFF: frozenset[str] = frozenset(Role.STAFF)
CLIENTS: frozenset[str] = frozenset({Role.CLIENT})
COORDINATION: frozenset[str] = frozenset({Role.ADMIN, Role.COORDINATOR})
# The agent pages a subcontractor uses too (the list and the ticket page; issue 13).
AGENTS: frozenset[str] = frozenset(Role.AGENTS)
SUBCONTRACTORS: frozenset[str] = frozenset({Role.SUBCONTRACTOR})
ADMINS: frozenset[str] = frozenset({Role.ADMIN})


PUBLIC = None  # a page anyone may open, signed in or not (login)


@dataclass(frozen=True)
class PageRule:
    roles: frozenset[str] | None  # None: PUBLIC
    on_load: object  # the page's own on_load event, run only once the roles are checked
    # A permission (domain/permissions.py) the actor must also hold; None: roles alone.
    permission: str | None = None


_PAGES: dict[str, PageRule] = {}


def declare_page(route: str, roles: frozenset[str] | None, on_load: object,
                 permission: str | None = None) -> None:
    """Called by the @page decorator (components/page.py) for every page."""
    _PAGES[route] = PageRule(roles, on_load, permission)


def _matches(route: str, path: str) -> bool:
    want, got = route.strip("/").split("/"), path.strip("/").split("/")
    return len(want) == len(got) and all(
        w == g or (w.startswith("[") and w.endswith("]")) for w, g in zip(want, got, strict=True))


def page_rule(path: str) -> PageRule:
    """The rule of the page at `path`; a path no page declared admits nobody."""
    for route, rule in _PAGES.items():
        if _matches(route, path):
            return rule
    return PageRule(frozenset(), None)


def start_page(is_agent: bool) -> str:
    """The agent list for staff and subcontractors (`Actor.is_agent`), else the portal."""
    return AGENT if is_agent else PORTAL


def ticket_page(number: str, *, staff: bool) -> str:
    """`staff`: the agent side (staff and subcontractors), else the portal's."""
    return (AGENT_TICKETS if staff else PORTAL_TICKETS) + number
