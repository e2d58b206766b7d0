"""/agent/reports: invoicing, workload and service reports (issue 14), for staff with
"reports.view". Filters above, tables with charts below; the URL holds it all."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import pick_field, text_field
from helpdesk_app.components.layout import error_callout
from helpdesk_app.components.page import page
from helpdesk_app.components.report_table import report_table
from helpdesk_app.domain import permissions
from helpdesk_app.state.reports import TABS
from helpdesk_app.state.reports import ReportsState as R
from helpdesk_app.state.session import SessionState as S


def _tabs() -> rx.Component:
    return rx.hstack(*[
        rx.button(S.tr[f"reports.tab.{tab}"], on_click=R.switch(tab), size="2",
                  variant=rx.cond(R.tab == tab, "solid", "soft"), id=f"reports-tab-{tab}")
        for tab in TABS], spacing="2", wrap="wrap")


def _pick(name: str, label_key: str) -> rx.Component:
    return rx.box(pick_field(S.tr[label_key], R.options.get(name, []), getattr(R, f"f_{name}"),
                             R.set_value(f"f_{name}"), f"rf-{name}", S.tr["reports.all"]),
                  min_width="11em", flex="1")


def _filters() -> rx.Component:
    return rx.card(rx.vstack(
        rx.flex(
            rx.box(text_field(S.tr["reports.from"], R.f_from, R.set_value("f_from"), "rf-from"),
                   width="9em"),
            rx.box(text_field(S.tr["reports.to"], R.f_to, R.set_value("f_to"), "rf-to"),
                   width="9em"),
            rx.box(pick_field(S.tr["reports.grain"], R.options.get("grain", []), R.f_grain,
                              R.set_value("f_grain"), "rf-grain"), width="9em"),
            _pick("organisation", "reports.organisation"),
            _pick("contract", "reports.contract"),
            _pick("queue", "reports.queue"),
            gap="0.75em", wrap="wrap", width="100%"),
        rx.flex(
            _pick("type", "reports.type"),
            _pick("priority", "reports.priority"),
            _pick("channel", "reports.channel"),
            _pick("person", "reports.person"),
            rx.button(S.tr["reports.apply"], on_click=R.apply, id="rf-apply",
                      align_self="end"),
            gap="0.75em", wrap="wrap", width="100%", align="end"),
        spacing="2", width="100%"), width="100%", id="report-filters")


def _export_entries() -> rx.Component:
    job = R.export
    return rx.cond(R.tab == "invoicing", rx.flex(
        rx.text(S.tr["reports.export_entries"], size="2"),
        rx.button("XLSX", on_click=R.export_entries("xlsx"), size="1", variant="soft",
                  id="export-entries-xlsx", disabled=job.running),
        rx.button("CSV", on_click=R.export_entries("csv"), size="1", variant="soft",
                  id="export-entries-csv", disabled=job.running),
        rx.cond(job.running, rx.hstack(
            rx.progress(value=rx.cond(job.total > 0, job.done * 100 / job.total, 0),
                        width="10em", id="export-progress"),
            rx.text(job.done, " / ", job.total, size="1", id="export-progress-text"),
            align="center")),
        rx.cond(job.href != "", rx.link(S.tr["reports.download"], " (", job.done, ")",
                                        href=job.href, id="export-download",
                                        reload_document=True, download="")),
        rx.cond(job.error != "", rx.text(job.error, color_scheme="red", size="1",
                                         id="export-error")),
        gap="0.75em", align="center", wrap="wrap", width="100%"))


@page(routes.REPORTS, title_key="page.reports", roles=routes.STAFF, on_load=R.on_load,
      permission=permissions.REPORTS_VIEW, max_width="1440px")
def reports_page() -> rx.Component:
    return rx.vstack(
        rx.heading(S.tr["reports.title"], size="6"),
        _tabs(),
        _filters(),
        error_callout(R.error),
        rx.cond(R.back_href != "", rx.link("← ", S.tr["reports.back"], href=R.back_href,
                                           id="reports-back")),
        _export_entries(),
        rx.foreach(R.tables, report_table),
        spacing="4", width="100%", id="reports-page")
