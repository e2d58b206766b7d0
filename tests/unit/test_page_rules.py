"""Every page declares who may open it; the server looks the rule up from the URL."""

from __future__ import annotations

import helpdesk_app.helpdesk_app  # noqa: F401  (registers every @page)
from helpdesk_app import routes
from helpdesk_app.components.page import PAGES
from helpdesk_app.state.admin_sla import AdminSlaState
from helpdesk_app.state.ticket import TicketState


def test_every_page_declares_its_roles_and_the_public_ones_are_few():
    public = sorted(p.route for p in PAGES if routes.page_rule(p.route).roles is None)
    # i12-setup: first-run setup, invitation and password-reset pages are public too
    assert public == ["/", "/invite/[token]", "/login", "/reset", "/reset/[token]", "/setup"]
    assert len({p.route for p in PAGES}) == len(PAGES)


def test_rules_are_found_from_the_url_including_dynamic_segments():
    # SLA configuration: staff holding the "config.sla" permission (built-in: admins only)
    assert routes.page_rule("/admin/sla").roles == routes.STAFF
    assert routes.page_rule("/admin/sla").permission == "config.sla"
    assert routes.page_rule("/admin/queues").roles == routes.ADMINS
    assert routes.page_rule("/admin/roles").roles == routes.ADMINS
    assert routes.page_rule("/admin/sla").on_load is AdminSlaState.on_load
    rule = routes.page_rule("/portal/tickets/2026-000042")
    assert rule.roles == routes.ANYONE and rule.on_load is TicketState.on_load
    # the agent list admits subcontractors too (issue 13: the tickets handed to them);
    # every other staff page stays closed to them
    assert routes.page_rule("/agent/").roles == routes.AGENTS
    assert "subcontractor" in routes.page_rule("/agent/tickets/2026-000042").roles


def test_subcontractors_get_the_agent_list_ticket_page_and_their_own_settings_only():
    sub = "subcontractor"
    open_to_them = sorted(p.route for p in PAGES
                          if (routes.page_rule(p.route).roles or frozenset()) and
                          sub in routes.page_rule(p.route).roles)
    # and the SLA board, over the tickets handed to them (domain/sla_board.py)
    assert open_to_them == sorted([
        "/agent", "/agent/tickets/[ticket_number]", "/portal/tickets/[ticket_number]",
        "/agent/notifications", "/portal/notifications", "/settings/notifications",
        "/settings/security", "/agent/sla"])
    assert routes.page_rule("/agent/sla").permission == "reports.view"


def test_a_path_no_page_declared_admits_nobody():
    assert routes.page_rule("/admin/secret").roles == frozenset()
    assert routes.page_rule("/agent/tickets/1/extra").roles == frozenset()
