"""Admin: personal data (RODO, /admin/privacy) — find a person, export their data in the
background (a ZIP only admins download), preview and confirm their erasure, and see the
retention rules and their last run.

Thin over domain/privacy*.py and retention.py, which re-check that the actor is an admin.
"""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import privacy, privacy_erasure, privacy_export, report_files
from helpdesk_app.domain.actor import Actor
from helpdesk_app.state.admin_common import start_admin_page
from helpdesk_app.state.export_job import ExportJob, follow
from helpdesk_app.state.forms import Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler, unit_of_work


class AdminPrivacyState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {"p_email": str, "p_confirm": str}
    message: str = ""
    error: str = ""
    p_email: str = ""
    p_confirm: str = ""
    # the person found (p_id "": none)
    p_id: str = ""
    p_name: str = ""
    p_address: str = ""
    p_role: str = ""
    p_org: str = ""
    p_active: bool = False
    export: ExportJob = ExportJob()
    plan_lines: list[str] = []  # the erasure preview
    erased: str = ""  # the pseudonym after an erasure
    retention_lines: list[str] = []

    @handler(roles=routes.ADMINS)
    def on_load(self, db, actor: Actor):
        start_admin_page(self)
        self.p_email = self.p_confirm = self.erased = ""
        self._forget_person()
        self._retention(db, actor)

    def _forget_person(self) -> None:
        self.p_id = self.p_name = self.p_address = self.p_role = self.p_org = ""
        self.p_active, self.plan_lines, self.export = False, [], ExportJob()

    def _retention(self, db, actor: Actor) -> None:
        r = privacy.retention_status(db, actor)
        off = self._t("privacy.rule_off")
        lines = [self._t("privacy.rule_tickets", years=r.ticket_years) if r.ticket_years
                 else f"{self._t('privacy.rule_tickets_name')}: {off}",
                 self._t("privacy.rule_mail", days=r.raw_mail_days) if r.raw_mail_days
                 else f"{self._t('privacy.rule_mail_name')}: {off}"]
        if r.last_report:
            lines.append(self._t("privacy.last_run", **r.last_report))
        self.retention_lines = lines

    @handler(roles=routes.ADMINS)
    def find(self, db, actor: Actor):
        self._forget_person()
        self.erased, self.p_confirm, self.error = "", "", ""
        person = privacy.find_person(db, actor, self.p_email)
        self.p_id, self.p_name, self.p_address = str(person.id), person.name, person.email
        self.p_role, self.p_org, self.p_active = person.role, person.organisation, person.active

    def _person_id(self) -> int | None:
        return int(self.p_id) if self.p_id.isdigit() else None

    # ---- erasure: preview, then the typed confirmation

    @handler(roles=routes.ADMINS)
    def preview_erasure(self, db, actor: Actor):
        wanted = self._person_id()
        if wanted is None:
            return
        plan = privacy_erasure.preview(db, actor, wanted)
        self.plan_lines = [
            self._t("privacy.plan_pseudonym", name=plan.pseudonym, email=plan.pseudonym_email),
            self._t("privacy.plan_counts", rows=plan.rows, mails=plan.mails, files=plan.files,
                    sessions=plan.account_rows),
            *(f"{place}: {n}" for place, n in sorted(plan.places.items()))]

    @handler(roles=routes.ADMINS, toast=True)
    def erase(self, db, actor: Actor):
        wanted = self._person_id()
        if wanted is None or not self.plan_lines:
            return None
        plan = privacy_erasure.erase(db, actor, wanted, self.p_confirm)
        self._forget_person()
        self.p_email, self.p_confirm = "", ""
        self.erased = plan.pseudonym
        self.message = self._t("privacy.erased", name=plan.pseudonym)
        return rx.toast.success(self.message)

    # ---- export, in the background with progress

    @handler(roles=routes.ADMINS)
    def start_export(self, db, actor: Actor):
        if self.export.running or self._person_id() is None:
            return None
        return AdminPrivacyState.run_export

    @rx.event(background=True)
    async def run_export(self):
        async with self:
            with unit_of_work(self) as (_db, actor):
                pass
            wanted = self._person_id()
            if actor is None or wanted is None:
                return
            self.export = ExportJob(running=True, total=privacy_export.STEPS)
        progress = {"done": 0, "total": privacy_export.STEPS}

        def work() -> str:
            from helpdesk_app.db import session_scope

            with session_scope() as db:
                token, path = report_files.new_export(actor.user_id, f"rodo-{wanted}.zip",
                                                      "zip")
                privacy_export.export_person(db, actor, wanted, path,
                                             lambda done, total: progress.update(done=done))
                return token

        await follow(self, work, progress)
