"""The SLA board for coordinators and admins: live counts, at-risk list, breaches,
compliance and a daily chart. All figures are aggregated in SQL (domain/sla_board.py).
Subcontractors get it too, over the tickets handed to them: without assignees and the
compliance per contract and ticket type (the domain leaves those out for them)."""

from __future__ import annotations

import dataclasses

from helpdesk_app import routes
from helpdesk_app.domain import access, permissions, sla_board
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.i18n import format_number
from helpdesk_app.live.bus import Change
from helpdesk_app.models.base import utcnow
from helpdesk_app.state import live
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler, unit_of_work

# the cards, by the board's buckets (domain/sla_board.bucket), with the badge state and
# label each stands for
CARDS = ((sla_board.ON_TIME, "running"), (sla_board.AT_RISK, "warning"),
         (sla_board.BREACHED, "breached"), (sla_board.PAUSED, "paused"))
PERIODS = (7, 30, 90)


@dataclasses.dataclass
class StateCount:
    state: str = ""
    label: str = ""
    count: int = 0


@dataclasses.dataclass
class RiskRow:
    number: str = ""
    subject: str = ""
    organisation: str = ""
    assignee: str = ""
    state: str = ""
    label: str = ""
    clock: str = ""
    due: str = ""  # ISO, counted down in the browser
    is_key: bool = False


@dataclasses.dataclass
class ComplianceRow:
    name: str = ""
    is_key: bool = False
    met: int = 0
    breached: int = 0
    percent: str = ""


class SlaBoardState(SessionState):
    counts: list[StateCount] = []
    active_total: int = 0
    at_risk: list[RiskRow] = []
    at_risk_total: int = 0
    breaches_today: int = 0
    breaches_week: int = 0
    overall: str = ""
    by_contract: list[ComplianceRow] = []
    by_type: list[ComplianceRow] = []
    chart: list[dict[str, str | int]] = []  # recharts wants plain records
    period_days: int = 30
    error: str = ""
    refreshed: int = 0

    @handler(roles=routes.AGENTS, permission=permissions.REPORTS_VIEW)
    def on_load(self, db, actor: Actor):
        self._load(db, actor)
        live.watch(self, {"tickets"}, public_only=False)

    def _percent(self, figures: sla_board.Compliance) -> str:
        value = figures.percent
        return "—" if value is None else format_number(value, self.ui_lang) + " %"

    def _load(self, db, actor: Actor) -> None:
        try:
            b = sla_board.board(db, actor, utcnow(), period_days=self.period_days,
                                tz=self.user_tz)
        except DomainError as e:
            self.error = self._err(e)
            return
        self.error = ""
        self.counts = [StateCount(state, self._t(f"sla.{state}"), b.buckets.get(name, 0))
                       for name, state in CARDS]
        self.active_total = b.active_total
        unassigned = self._t("ticket.unassigned") if b.desk else ""  # (subcontractors: "")
        self.at_risk = [RiskRow(
            number=r.number, subject=r.subject, organisation=r.organisation,
            # every row of the list is in the at-risk bucket, whatever its stored state
            assignee=r.assignee or unassigned, state="warning",
            label=self._t("sla.warning"), clock=self._t(f"sla.clock.{r.clock}"),
            due=r.due_at.isoformat(), is_key=r.is_key) for r in b.at_risk]
        self.at_risk_total = b.at_risk_total
        self.breaches_today, self.breaches_week = b.breaches.today, b.breaches.week
        self.overall = self._percent(b.overall)
        self.by_contract = [ComplianceRow(c.name, c.is_key, c.figures.met, c.figures.breached,
                                          self._percent(c.figures)) for c in b.by_contract]
        self.by_type = [ComplianceRow(
            f"{t.contract}: {t.name_pl if self.ui_lang == 'pl' else t.name_en}", False,
            t.figures.met, t.figures.breached, self._percent(t.figures)) for t in b.by_type]
        self.chart = [{"day": d.day.strftime("%d.%m"), "met": d.met, "breached": d.breached}
                      for d in b.chart]

    def _live_refresh(self, changes: list[Change]) -> None:
        with unit_of_work(self) as (db, actor):
            if actor is None or not access.has(actor, permissions.REPORTS_VIEW):
                return
            self._load(db, actor)
        self.refreshed += 1

    @handler(roles=routes.AGENTS, permission=permissions.REPORTS_VIEW)
    def set_period(self, db, actor: Actor, value: str):
        if value.isdigit() and int(value) in PERIODS:
            self.period_days = int(value)
            self._load(db, actor)
