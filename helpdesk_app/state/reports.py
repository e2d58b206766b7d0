"""/agent/reports (issue 14): invoicing, workload and service reports for staff holding
"reports.view". The URL keeps the tab and every filter (domain/reports_common.ReportFilter
.to_query / from_query), so a report can be bookmarked and shared; "Apply" only rewrites
the URL and the page's on_load builds the tables from it. The figures come from the
reports domain (access re-checked there); this state formats them (state/report_views)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import (
    dates,
    permissions,
    report_exports,
    reports_common,
    reports_invoicing,
    reports_options,
    reports_service,
    reports_workload,
)
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.models.base import utcnow
from helpdesk_app.state.export_job import ExportJob, follow
from helpdesk_app.state.forms import CHOICE, Form
from helpdesk_app.state.report_views import TableView, view
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler, unit_of_work
from helpdesk_app.state.views import Opt

TABS = ("invoicing", "workload", "service")
_FILTERS = ("organisation", "contract", "queue", "type", "priority", "channel", "person")


class ReportsState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {
        "f_from": str, "f_to": str, "f_grain": CHOICE,
        **{f"f_{name}": CHOICE for name in _FILTERS}}

    tab: str = "invoicing"
    tables: list[TableView] = []
    heading: str = ""  # what a drill-down shows ("Contract X, July 2026")
    back_href: str = ""
    f_from: str = ""
    f_to: str = ""
    f_grain: str = "month"
    f_organisation: str = ""
    f_contract: str = ""
    f_queue: str = ""
    f_type: str = ""
    f_priority: str = ""
    f_channel: str = ""
    f_person: str = ""
    options: dict[str, list[Opt]] = {}
    export: ExportJob = ExportJob()
    error: str = ""
    _query: dict[str, str] = {}

    # ---- loading

    def _params(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.router.page.params.items()
                if isinstance(v, str) and k != "ticket_number"}

    def _today(self) -> date:
        return utcnow().astimezone(ZoneInfo(self.user_tz)).date()

    @handler(roles=routes.STAFF, permission=permissions.REPORTS_VIEW)
    def on_load(self, db, actor: Actor):
        self.error, self.tables, self.heading, self.back_href = "", [], "", ""
        params = self._params()
        self.tab = params.get("tab", "invoicing") if params.get("tab") in TABS else "invoicing"
        self.options = {k: [Opt(v, label) for v, label in opts] for k, opts in
                        reports_options.filter_options(db, actor, self.ui_lang).items()}
        try:
            flt = reports_common.ReportFilter.from_query(params, self._today())
        except DomainError as e:
            self.error = self._err(e)
            flt = reports_common.ReportFilter.from_query({}, self._today())
        self._fill_form(flt)
        self._query = {"tab": self.tab, **flt.to_query()}
        self._build(db, actor, flt, params)

    def _fill_form(self, flt: reports_common.ReportFilter) -> None:
        lang = self.ui_lang
        self.f_from, self.f_to = dates.format_day(flt.day_from, lang), \
            dates.format_day(flt.day_to, lang)
        self.f_grain = flt.grain
        for name in _FILTERS:
            value = getattr(flt, reports_options.FILTER_FIELDS[name])
            setattr(self, f"f_{name}", "" if value is None else str(value))

    def _view(self, table, **kw) -> TableView:
        return view(table, self.ui_lang, title=self._t(f"reports.table.{table.key}"),
                    query=self._query, export_path=routes.REPORTS_EXPORT_API, **kw)

    def _href(self, **extra: str) -> str:
        return f"{routes.REPORTS}?{urlencode({**self._query, **extra})}"

    def _build(self, db, actor: Actor, flt: reports_common.ReportFilter,
               params: dict[str, str]) -> None:
        if self.tab == "invoicing":
            self._invoicing(db, actor, flt, params)
        elif self.tab == "workload":
            self.tables = [
                self._view(reports_workload.workload(db, actor, flt),
                           chart_x="person", chart_series=("hours", "billable")),
                self._view(reports_workload.workload_by_queue(db, actor, flt), chart_x="queue",
                           chart_series=("hours",))]
        else:
            self.tables = [
                self._view(reports_service.volume(db, actor, flt),
                           chart_x="period", chart_series=("created", "resolved")),
                self._view(reports_service.times(db, actor, flt), chart_x="contract",
                           chart_series=("first_response_median", "resolution_median")),
                self._view(reports_service.sla_compliance(db, actor, flt)),
                self._view(reports_service.reopen_rate(db, actor, flt)),
                self._view(reports_service.channel_mix(db, actor, flt), chart_x="channel",
                           chart_series=("created",)),
                self._view(reports_service.backlog_age(db, actor, flt), chart_x="age",
                           chart_series=("open",))]

    def _invoicing(self, db, actor: Actor, flt: reports_common.ReportFilter,
                   params: dict[str, str]) -> None:
        ticket = params.get("ticket", "")
        org = params.get("drill_org", "")
        if ticket.isdigit():  # the entries of one ticket
            table = reports_invoicing.invoicing_entries(db, actor, flt, int(ticket))
            self.tables = [self._view(table)]
            self.back_href = self._href(drill_org=org, drill_contract=params.get(
                "drill_contract", "")) if org else self._href()
            return
        if org.isdigit():  # the tickets of one client / contract
            contract = params.get("drill_contract", "")
            table = reports_invoicing.invoicing_tickets(
                db, actor, flt, int(contract) if contract.isdigit() else None, int(org))
            self.tables = [self._view(
                table,
                link=lambda r: self._href(drill_org=org, drill_contract=contract,
                                          ticket=str(r[0])))]
            self.back_href = self._href()
            return
        table = reports_invoicing.invoicing(db, actor, flt)
        self.tables = [self._view(
            table, chart_x="period",
            chart_series=("hours", "billable"),
            link=lambda r: self._href(drill_org=str(r[1]), drill_contract=str(r[3] or "")))]

    # ---- the filters

    @rx.event
    def apply(self):
        """Rewrite the URL with the filters; on_load builds the report from it."""
        try:
            flt = reports_options.from_form(
                {name: getattr(self, f"f_{name}") for name in ("from", "to", "grain",
                                                                *_FILTERS)},
                self._today())
        except DomainError as e:
            self.error = self._err(e)
            return None
        self.error = ""
        return rx.redirect(f"{routes.REPORTS}?{urlencode({'tab': self.tab, **flt.to_query()})}")

    @rx.event
    def switch(self, tab: str):
        if tab in TABS:
            return rx.redirect(f"{routes.REPORTS}?{urlencode({**self._query, 'tab': tab})}")
        return None

    # ---- the big export: every work entry of the filter, in the background

    @handler(roles=routes.STAFF, permission=permissions.REPORTS_VIEW)
    def export_entries(self, db, actor: Actor, fmt: str):
        if self.export.running or fmt not in ("csv", "xlsx"):
            return None
        return ReportsState.run_export(fmt)

    @rx.event(background=True)
    async def run_export(self, fmt: str):
        async with self:
            with unit_of_work(self) as (_db, actor):
                pass
            if actor is None:
                return
            query = dict(self._query)
            self.export = ExportJob(running=True)
        progress = {"done": 0, "total": 0}

        def work() -> str:
            return report_exports.export_entries(
                actor, query, fmt, self_lang, progress=lambda d, t: progress.update(
                    done=d, total=t))

        self_lang = self.ui_lang
        await follow(self, work, progress)
