"""Admin: the audit log (/admin/audit) — filters, pages of 50 with a total, and the link
of the CSV export with the filters the table shows. Thin over domain/audit.py (which
re-checks the admin); times in the viewer's zone and language."""

from __future__ import annotations

import dataclasses
from typing import ClassVar
from urllib.parse import urlencode

from helpdesk_app import routes
from helpdesk_app.domain import audit, dates
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import FieldChecks
from helpdesk_app.state.admin_common import start_admin_page
from helpdesk_app.state.forms import CHOICE, Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler
from helpdesk_app.state.views import Opt


@dataclasses.dataclass
class AuditRow:
    id: str = ""
    at: str = ""
    actor: str = ""
    action: str = ""
    action_label: str = ""
    target: str = ""
    details: str = ""
    address: str = ""


class AdminAuditState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {"area": CHOICE, "text": str, "day_from": str,
                                                "day_to": str}

    rows: list[AuditRow] = []
    areas: list[Opt] = []
    total_label: str = ""
    page: int = 1
    pages: int = 1
    filtered: bool = False
    export_href: str = routes.AUDIT_EXPORT_API
    # what is typed in the filters; `_applied` is what the table shows
    area: str = ""
    text: str = ""
    day_from: str = ""
    day_to: str = ""
    form_errors: dict[str, str] = {}
    message: str = ""
    error: str = ""
    _applied: dict[str, str] = {}

    @handler(roles=routes.ADMINS)
    def on_load(self, db, actor: Actor):
        start_admin_page(self)
        self.form_errors = {}
        self.areas = [Opt(a, self._t(f"audit.area.{a}")) for a in audit.AREAS]
        self._applied, self.page = {}, 1
        self.area = self.text = self.day_from = self.day_to = ""
        self._load(db, actor)

    def _query(self) -> audit.AuditQuery:
        f = self._applied
        return audit.AuditQuery(area=f.get("area", ""), text=f.get("text", ""),
                                day_from=dates.parse_day(f.get("day_from")),
                                day_to=dates.parse_day(f.get("day_to")),
                                tz=self.user_tz, page=self.page)

    def _load(self, db, actor: Actor) -> None:
        result = audit.search(db, actor, self._query())
        self.page, self.pages = result.page, result.pages
        anonymous = self._t("audit.anonymous")
        self.rows = [AuditRow(
            id=str(e.id), at=self._dt(e.at), actor=e.actor_label if e.actor_id else
            f"{e.actor_label} {anonymous}".strip(), action=e.action,
            action_label=audit.action_label(e.action, self.ui_lang),
            target=e.target_label or (f"{e.target_type} {e.target_id or ''}".strip()
                                      if e.target_type else ""),
            details=audit.summary(e.details), address=e.address or "")
            for e in result.rows]
        self.total_label = self._t("audit.total", n=result.total)
        self.filtered = bool(self._applied)
        self.export_href = routes.AUDIT_EXPORT_API + (
            "?" + urlencode(self._applied) if self._applied else "")

    @handler(roles=routes.ADMINS)
    def apply(self, db, actor: Actor, _form: dict | None = None):
        """Check the typed filters (each problem next to its field), then show page 1."""
        checks = FieldChecks()
        start = checks.run("day_from", dates.parse_day, self.day_from)
        end = checks.run("day_to", dates.parse_day, self.day_to)
        if start and end and end < start:
            checks.fail("day_to", "audit.range_reversed")
        self.form_errors = {}
        checks.done()
        applied = {"area": self.area if self.area in audit.AREAS else "",
                   "text": " ".join(self.text.split())[:audit.TEXT_MAX],
                   "day_from": start.isoformat() if start else "",
                   "day_to": end.isoformat() if end else ""}
        self._applied = {k: v for k, v in applied.items() if v}
        self.page, self.error = 1, ""
        self._load(db, actor)

    @handler(roles=routes.ADMINS)
    def clear(self, db, actor: Actor):
        self.area = self.text = self.day_from = self.day_to = ""
        self._applied, self.page, self.form_errors, self.error = {}, 1, {}, ""
        self._load(db, actor)

    @handler(roles=routes.ADMINS)
    def go_page(self, db, actor: Actor, page: int):
        self.page = max(1, min(int(page), self.pages))
        self._load(db, actor)
