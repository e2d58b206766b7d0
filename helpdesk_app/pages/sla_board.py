"""SLA board (coordinators, admins; subcontractors over the tickets handed to them,
without the assignee column and the compliance per contract and type): live."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.layout import dropdown
from helpdesk_app.components.page import page
from helpdesk_app.components.sla_badge import sla_badge
from helpdesk_app.domain import permissions
from helpdesk_app.state.session import SessionState as S
from helpdesk_app.state.sla_board import ComplianceRow, RiskRow, StateCount
from helpdesk_app.state.sla_board import SlaBoardState as B
from helpdesk_app.state.views import Opt


def _count(c: StateCount) -> rx.Component:
    return rx.card(
        rx.vstack(rx.text(c.label, size="2", color_scheme="gray"),
                  rx.heading(c.count, size="7", class_name="pm-board-count"),
                  spacing="1"),
        custom_attrs={"data-state": c.state}, min_width="9em",
    )


def _desk(component: rx.Component) -> rx.Component:
    """Only staff see it (a subcontractor's board names no assignees or contracts)."""
    return rx.cond(S.is_staff, component)


def _risk(r: RiskRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(
            rx.link(r.number, href=routes.AGENT_TICKETS + r.number),
            rx.cond(r.is_key, rx.text("★", class_name="pm-key")), spacing="1"),
            class_name="pm-board-number"),
        rx.table.cell(r.subject, class_name="pm-subject"),
        rx.table.cell(r.organisation),
        _desk(rx.table.cell(r.assignee)),
        rx.table.cell(r.clock),
        rx.table.cell(sla_badge(r.state, r.label, r.due)),
        class_name="pm-risk-row", custom_attrs={"data-number": r.number},
    )


def _compliance_table(rows, title) -> rx.Component:
    def row(c: ComplianceRow) -> rx.Component:
        return rx.table.row(
            rx.table.cell(c.name, rx.cond(c.is_key, " ★", "")),
            rx.table.cell(c.met), rx.table.cell(c.breached),
            rx.table.cell(rx.text(c.percent, weight="bold")),
        )

    return rx.card(rx.vstack(
        rx.heading(title, size="3"),
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(S.tr["board.name"]),
                rx.table.column_header_cell(S.tr["sla.met"]),
                rx.table.column_header_cell(S.tr["sla.breached"]),
                rx.table.column_header_cell(S.tr["board.compliance"]),
            )),
            rx.table.body(rx.foreach(rows, row)),
            size="1", width="100%",
        ),
        width="100%",
    ), width="100%")


@page(routes.SLA_BOARD, title_key="page.sla_board", roles=routes.AGENTS,
      permission=permissions.REPORTS_VIEW,
      on_load=B.on_load, max_width="1400px")
def sla_board_page() -> rx.Component:
    periods = [Opt("7", "7"), Opt("30", "30"), Opt("90", "90")]
    return rx.fragment(
        rx.vstack(
            rx.hstack(
                rx.heading(S.tr["board.title"], size="5"), rx.spacer(),
                rx.text(S.tr["board.period"], size="2"),
                dropdown(periods, B.period_days.to_string(), B.set_period, id="board-period",
                         width="6em"),
                width="100%", align="center",
            ),
            rx.flex(
                rx.foreach(B.counts, _count),
                rx.card(rx.vstack(rx.text(S.tr["board.breaches_today"], size="2",
                                          color_scheme="gray"),
                                  rx.heading(B.breaches_today, size="7", id="breaches-today"),
                                  spacing="1"), min_width="9em"),
                rx.card(rx.vstack(rx.text(S.tr["board.breaches_week"], size="2",
                                          color_scheme="gray"),
                                  rx.heading(B.breaches_week, size="7", id="breaches-week"),
                                  spacing="1"), min_width="9em"),
                rx.card(rx.vstack(rx.text(S.tr["board.compliance_overall"], size="2",
                                          color_scheme="gray"),
                                  rx.heading(B.overall, size="7", id="compliance-overall"),
                                  spacing="1"), min_width="9em"),
                gap="0.75em", wrap="wrap", id="board-counts",
            ),
            rx.card(rx.vstack(
                rx.heading(S.tr["board.at_risk"], " (",
                           rx.el.span(B.at_risk_total, id="at-risk-total"), ")", size="3"),
                rx.box(rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(S.tr["col.number"]),
                        rx.table.column_header_cell(S.tr["col.subject"]),
                        rx.table.column_header_cell(S.tr["col.organisation"]),
                        _desk(rx.table.column_header_cell(S.tr["col.assignee"])),
                        rx.table.column_header_cell(S.tr["board.clock"]),
                        rx.table.column_header_cell(S.tr["col.sla"]),
                    )),
                    rx.table.body(rx.foreach(B.at_risk, _risk)),
                    size="1", width="100%", id="at-risk",
                ), overflow_x="auto", width="100%"),
                width="100%",
            ), width="100%"),
            rx.card(rx.vstack(
                rx.heading(S.tr["board.chart"], size="3"),
                rx.recharts.bar_chart(
                    rx.recharts.bar(data_key="met", stack_id="a", fill="var(--green-9)",
                                    name=S.tr["sla.met"]),
                    rx.recharts.bar(data_key="breached", stack_id="a", fill="var(--red-9)",
                                    name=S.tr["sla.breached"]),
                    rx.recharts.x_axis(data_key="day"),
                    rx.recharts.y_axis(allow_decimals=False),
                    rx.recharts.legend(),
                    rx.recharts.graphing_tooltip(),
                    data=B.chart, width="100%", height=260,
                ),
                width="100%", id="board-chart",
            ), width="100%"),
            _desk(rx.flex(
                _compliance_table(B.by_contract, S.tr["board.by_contract"]),
                _compliance_table(B.by_type, S.tr["board.by_type"]),
                gap="0.75em", width="100%", direction=rx.breakpoints(initial="column",
                                                                      lg="row"),
                id="board-compliance",
            )),
            rx.el.span(B.refreshed, id="live-refreshed", hidden=True),
            spacing="4", width="100%",
        )
    )
