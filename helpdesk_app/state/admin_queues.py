"""Admin: queues in order, their form, deactivation with confirmation and members
(/admin/queues). All rules live in domain/queues_admin.py; this only holds what the page
shows."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import queues_admin
from helpdesk_app.domain.actor import Actor
from helpdesk_app.state.admin_common import start_admin_page
from helpdesk_app.state.forms import Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler
from helpdesk_app.state.views import Opt


@dataclasses.dataclass
class QueueRow:
    id: str = ""
    name: str = ""
    detail: str = ""
    active: bool = True
    first: bool = False
    last: bool = False


class AdminQueuesState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {"f_name": str, "f_description": str,
                                                "f_requires_entry": bool}
    message: str = ""
    error: str = ""
    form_errors: dict[str, str] = {}
    rows: list[QueueRow] = []
    f_id: str = ""
    f_name: str = ""
    f_description: str = ""
    f_requires_entry: bool = False  # resolving needs a work entry (issue 14)
    confirm_id: str = ""  # the queue whose deactivation waits for "yes"
    confirm_name: str = ""
    members: list[Opt] = []
    people_query: str = ""
    people_found: list[Opt] = []

    @handler(roles=routes.ADMINS)
    def on_load(self, db, actor: Actor):
        start_admin_page(self)
        self._clear_form()
        self._load(db, actor)

    def _load(self, db, actor: Actor) -> None:
        views = queues_admin.list_queues(db, actor)
        self.rows = [QueueRow(
            id=str(v.id), name=v.name,
            detail=" · ".join(p for p in (
                v.description, self._t("queues.member_count", count=v.members),
                self._t("worktime.requires_entry") if v.requires_work_entry else "",
                "" if v.is_active else self._t("queues.inactive")) if p),
            active=v.is_active, first=i == 0, last=i == len(views) - 1,
        ) for i, v in enumerate(views)]

    def _clear_form(self) -> None:
        self.f_id = self.f_name = self.f_description = ""
        self.f_requires_entry = False
        self.confirm_id = self.confirm_name = ""
        self.members, self.people_found, self.people_query = [], [], ""
        self.form_errors = {}

    def _load_members(self, db, actor: Actor) -> None:
        self.members = ([Opt(str(o.id), o.label)
                         for o in queues_admin.members(db, actor, int(self.f_id))]
                        if self.f_id.isdigit() else [])

    @handler(roles=routes.ADMINS)
    def new_queue(self, db, actor: Actor):
        self._clear_form()
        self.message = self.error = ""

    @handler(roles=routes.ADMINS)
    def edit_queue(self, db, actor: Actor, queue_id: str):
        row = next((r for r in queues_admin.list_queues(db, actor) if str(r.id) == queue_id),
                   None)
        if row is None:
            return
        self._clear_form()
        self.f_id, self.f_name, self.f_description = str(row.id), row.name, row.description
        self.f_requires_entry = row.requires_work_entry
        self.message = self.error = ""
        self._load_members(db, actor)

    @handler(roles=routes.ADMINS)
    def save(self, db, actor: Actor):
        self.message = ""  # a refusal keeps the typed text and shows each error by its field
        saved = queues_admin.save_queue(
            db, actor, int(self.f_id) if self.f_id.isdigit() else None,
            name=self.f_name, description=self.f_description,
            requires_work_entry=self.f_requires_entry)
        self.f_id = str(saved)
        self.error, self.message, self.form_errors = "", self._t("queues.saved"), {}
        self._load(db, actor)
        self._load_members(db, actor)

    @handler(roles=routes.ADMINS)
    def move(self, db, actor: Actor, queue_id: str, step: int):
        if queue_id.isdigit():
            queues_admin.move_queue(db, actor, int(queue_id), int(step))
        self._load(db, actor)

    @handler(roles=routes.ADMINS)
    def ask_deactivate(self, db, actor: Actor, queue_id: str):
        row = next((r for r in self.rows if r.id == queue_id), None)
        if row is not None:
            self.confirm_id, self.confirm_name = row.id, row.name

    @rx.event
    def cancel_deactivate(self):
        self.confirm_id = self.confirm_name = ""

    @handler(roles=routes.ADMINS)
    def confirm_deactivate(self, db, actor: Actor):
        target, self.confirm_id, self.confirm_name = self.confirm_id, "", ""
        if target.isdigit():
            queues_admin.set_active(db, actor, int(target), False)
            self.message = self._t("queues.deactivated")
        self._load(db, actor)

    @handler(roles=routes.ADMINS)
    def reactivate(self, db, actor: Actor, queue_id: str):
        if queue_id.isdigit():
            queues_admin.set_active(db, actor, int(queue_id), True)
            self.message = self._t("queues.reactivated")
        self._load(db, actor)

    # ---- members

    @handler(roles=routes.ADMINS)
    def find_people(self, db, actor: Actor, text: str):
        """Type to find technicians and coordinators (only the matches are sent)."""
        self.people_query = str(text)[:200]
        taken = {m.value for m in self.members}
        self.people_found = ([Opt(str(o.id), o.label)
                              for o in queues_admin.find_staff(db, actor, self.people_query)
                              if str(o.id) not in taken]
                             if self.people_query.strip() else [])

    @handler(roles=routes.ADMINS)
    def add_member(self, db, actor: Actor, user_id: str):
        if not (self.f_id.isdigit() and user_id.isdigit()):
            return
        queues_admin.add_member(db, actor, int(self.f_id), int(user_id))
        self.people_found = [p for p in self.people_found if p.value != user_id]
        self._load_members(db, actor)
        self._load(db, actor)

    @handler(roles=routes.ADMINS)
    def remove_member(self, db, actor: Actor, user_id: str):
        if not (self.f_id.isdigit() and user_id.isdigit()):
            return
        queues_admin.remove_member(db, actor, int(self.f_id), int(user_id))
        self._load_members(db, actor)
        self._load(db, actor)
