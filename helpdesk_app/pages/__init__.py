"""Page functions: layout only. Each declares its route, title, roles and on_load with
`@page` (components/page.py); importing this package registers them all."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.components.page import add_pages
from helpdesk_app.pages import (  # noqa: F401  (imported for their @page registrations)
    accounts,
    admin_audit,
    admin_checklists,
    admin_fields,
    admin_ldap,
    admin_mail,
    admin_organisations,
    admin_privacy,
    admin_queues,
    admin_roles,
    admin_security,
    admin_sla,
    admin_users,
    admin_workflow,
    admin_worktime,
    agent_list,
    login,
    new_ticket,
    notification_prefs,
    notifications,
    portal,
    portal_work,
    reports,
    security_settings,
    sla_board,
    substitutions,
    ticket,
)


def add_all(app: rx.App) -> None:
    add_pages(app)
