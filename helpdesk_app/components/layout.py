"""The shell every logged-in page sits in: top bar, navigation, language switch."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.notification_bell import notification_bell
from helpdesk_app.components.shortcuts import hint_button, shortcuts
from helpdesk_app.state.session import SessionState as S


def lang_switch() -> rx.Component:
    def button(code: str) -> rx.Component:
        return rx.button(
            code.upper(), id=f"lang-{code}", size="1",
            variant=rx.cond(S.ui_lang == code, "solid", "soft"),
            on_click=S.set_language(code),
        )

    return rx.hstack(button("pl"), button("en"), spacing="1")


def dropdown(options, value, on_change, *, id: str, placeholder: str | None = None,
                  width: str = "100%") -> rx.Component:
    """A plain <select>: works with phone pickers, keyboards and tests alike."""
    children = []
    if placeholder is not None:
        children.append(rx.el.option(placeholder, value="all"))
    children.append(rx.foreach(options, lambda o: rx.el.option(o.label, value=o.value)))
    return rx.el.select(*children, value=value, on_change=on_change, id=id,
                        class_name="pm-select", style={"width": width})


# Controlled text inputs are debounced by Reflex; without these flags, text typed in the
# last moments before a click on "Send" would reach the server after the click does.
SYNCED_TEXT = {"debounce_timeout": 150, "force_notify_on_blur": True,
               "force_notify_by_enter": True}


def _nav_links() -> rx.Component:
    return rx.cond(
        S.is_staff,
        rx.fragment(
            rx.link(S.tr["nav.tickets"], href=routes.AGENT, id="nav-tickets"),
            rx.link(S.tr["nav.new_ticket"], href=routes.AGENT_NEW, id="nav-new"),
            # by permission (domain/permissions.py): custom roles may gain or lose these
            rx.cond(S.user_perms.contains("reports.view"),
                    rx.fragment(
                        rx.link(S.tr["nav.sla_board"], href=routes.SLA_BOARD,
                                id="nav-sla-board"),
                        rx.link(S.tr["nav.reports"], href=routes.REPORTS, id="nav-reports"))),
            rx.cond(S.user_perms.contains("config.sla") & (S.user_role != "admin"),
                    rx.link(S.tr["nav.admin_sla"], href=routes.ADMIN_SLA, id="nav-admin-sla")),
            rx.cond(S.user_perms.contains("config.workflow") & (S.user_role != "admin"),
                    rx.link(S.tr["nav.admin_workflow"], href=routes.ADMIN_WORKFLOW,
                            id="nav-admin-workflow")),
            rx.cond(S.user_perms.contains("worktime.billing") & (S.user_role != "admin"),
                    rx.link(S.tr["nav.admin_worktime"], href=routes.ADMIN_WORKTIME,
                            id="nav-admin-worktime")),
            rx.cond(S.user_perms.contains("users.manage") & (S.user_role != "admin"),
                    rx.fragment(
                        rx.link(S.tr["nav.admin_organisations"],
                                href=routes.ADMIN_ORGANISATIONS, id="nav-admin-organisations"),
                        rx.link(S.tr["nav.admin_users"], href=routes.ADMIN_USERS,
                                id="nav-admin-users"))),
            rx.cond(S.user_role == "admin", rx.fragment(
                rx.link(S.tr["nav.admin_sla"], href=routes.ADMIN_SLA, id="nav-admin-sla"),
                rx.link(S.tr["nav.admin_checklists"], href=routes.ADMIN_CHECKLISTS,
                        id="nav-admin-checklists"),
                rx.link(S.tr["nav.admin_workflow"], href=routes.ADMIN_WORKFLOW,
                        id="nav-admin-workflow"),
                rx.link(S.tr["nav.admin_worktime"], href=routes.ADMIN_WORKTIME,
                        id="nav-admin-worktime"),
                rx.link(S.tr["nav.admin_fields"], href=routes.ADMIN_FIELDS,
                        id="nav-admin-fields"),
                rx.link(S.tr["nav.admin_mail"], href=routes.ADMIN_MAIL, id="nav-admin-mail"),
                rx.link(S.tr["nav.admin_ldap"], href=routes.ADMIN_LDAP, id="nav-admin-ldap"),
                rx.link(S.tr["nav.admin_privacy"], href=routes.ADMIN_PRIVACY,
                        id="nav-admin-privacy"),
                rx.link(S.tr["nav.admin_audit"], href=routes.ADMIN_AUDIT, id="nav-admin-audit"),
                rx.link(S.tr["nav.admin_organisations"], href=routes.ADMIN_ORGANISATIONS,
                        id="nav-admin-organisations"),
                rx.link(S.tr["nav.admin_users"], href=routes.ADMIN_USERS, id="nav-admin-users"),
                rx.link(S.tr["nav.admin_queues"], href=routes.ADMIN_QUEUES,
                        id="nav-admin-queues"),
                rx.link(S.tr["nav.admin_roles"], href=routes.ADMIN_ROLES, id="nav-admin-roles"),
            )),
        ),
        rx.cond(
            # the tickets handed to them and their SLA board; notifications, settings
            S.is_subcontractor,
            rx.fragment(
                rx.link(S.tr["nav.tickets_handed"], href=routes.AGENT, id="nav-tickets"),
                rx.cond(S.user_perms.contains("reports.view"),
                        rx.link(S.tr["nav.sla_board"], href=routes.SLA_BOARD,
                                id="nav-sla-board")),
            ),
            rx.fragment(
                rx.link(S.tr["nav.my_tickets"], href=routes.PORTAL, id="nav-my"),
                rx.link(S.tr["nav.new_ticket"], href=routes.PORTAL_NEW, id="nav-new"),
            ),
        ),
    )


MENU_TOGGLE = "pm-menu-toggle"


def top_bar() -> rx.Component:
    """One row. Wide screens: name, links, bell, settings, language, user, log out.
    Phones (CSS, assets/pomocnik.css `layout` block): name, bell, settings and a menu
    button; the links, language switch, settings and log out open below it. The menu is a
    checkbox and CSS, so it opens without a round trip and every link keeps its one id."""
    home = rx.cond(S.is_agent, routes.AGENT, routes.PORTAL)
    settings = S.tr["nav.notification_settings"]
    return rx.el.nav(
        # must come before the parts it opens (CSS `:checked ~`)
        rx.el.input(type="checkbox", id=MENU_TOGGLE, class_name="pm-menu-check",
                    aria_label=S.tr["nav.menu"]),
        rx.link(rx.heading("Pomocnik", size="5"), href=home, underline="none",
                class_name="pm-brand"),
        rx.box(_nav_links(), class_name="pm-nav pm-menu-part"),
        rx.box(class_name="pm-topbar-gap"),
        rx.cond(S.is_staff, hint_button()),
        notification_bell(),
        rx.link(rx.icon("settings", size=20, color="var(--gray-12)"),
                href=routes.SETTINGS_NOTIFICATIONS, id="nav-settings", title=settings,
                aria_label=settings, display="inline-flex"),
        rx.el.label(rx.icon("menu", size=22), html_for=MENU_TOGGLE, id="nav-menu",
                    class_name="pm-menu-button", title=S.tr["nav.menu"],
                    aria_label=S.tr["nav.menu"]),
        rx.box(
            rx.link(rx.icon("settings", size=16), settings, href=routes.SETTINGS_NOTIFICATIONS,
                    id="menu-settings", class_name="pm-menu-settings"),
            lang_switch(),
            # the user's own security page (i12-signin)
            rx.link(rx.icon("shield", size=18, color="var(--gray-12)"),
                    href=routes.SETTINGS_SECURITY, id="menu-security",
                    title=S.tr["nav.security"], aria_label=S.tr["nav.security"],
                    display="inline-flex"),
            # substitutions (issue 13): staff plan absences and see whom they stand in for
            rx.cond(S.is_staff, rx.link(
                rx.icon("calendar-off", size=18, color="var(--gray-12)"),
                href=routes.SETTINGS_SUBSTITUTIONS, id="menu-substitutions",
                title=S.tr["nav.substitutions"], aria_label=S.tr["nav.substitutions"],
                display="inline-flex")),
            rx.link(S.user_name, href=routes.SETTINGS_NOTIFICATIONS, size="2",
                    id="current-user", color="inherit", class_name="pm-current-user"),
            rx.button(S.tr["nav.logout"], id="logout", size="1", variant="outline",
                      on_click=S.logout),
            class_name="pm-tools pm-menu-part",
        ),
        class_name="pm-topbar",
    )


def shell(*children: rx.Component, max_width: str = "1200px") -> rx.Component:
    return rx.box(
        top_bar(),
        rx.cond(S.is_staff, shortcuts()),  # keyboard shortcuts and their "?" dialog
        rx.box(*children, padding=["0.75em", "1em", "1.5em"], max_width=max_width,
               margin_x="auto", width="100%"),
        width="100%",
    )


def error_callout(message) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", role="alert",
                   size="1", class_name="pm-error"),
    )
