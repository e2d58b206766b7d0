"""Admin: checklist templates per ticket type (/admin/checklists)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import checklists, contracts
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.checklists import TemplateInput
from helpdesk_app.state.admin_common import start_admin_page
from helpdesk_app.state.forms import CHOICE, Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler
from helpdesk_app.state.views import Opt


@dataclasses.dataclass
class TemplateRow:
    id: str = ""
    title: str = ""
    detail: str = ""
    active: bool = True


class AdminChecklistsState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {
        "f_type": CHOICE, "f_name_pl": str, "f_name_en": str, "f_items": str,
        "f_required_before_resolve": bool, "f_active": bool}
    message: str = ""
    error: str = ""
    form_errors: dict[str, str] = {}  # field -> its message, shown under the field
    rows: list[TemplateRow] = []
    type_opts: list[Opt] = []
    # form
    f_id: str = ""
    f_type: str = ""
    f_name_pl: str = ""
    f_name_en: str = ""
    f_items: str = ""
    f_required_before_resolve: bool = False
    f_active: bool = True
    _views: dict = {}

    # ---- loading

    @handler(roles=routes.ADMINS)
    def on_load(self, db, actor: Actor):
        start_admin_page(self)
        self._load(db, actor)

    def _load(self, db, actor: Actor) -> None:
        en = self.ui_lang == "en"
        views = checklists.list_templates(db, actor)
        self._views = {str(v.id): v for v in views}
        self.rows = [TemplateRow(
            id=str(v.id),
            title=f"{v.contract} — {v.ticket_type_en if en else v.ticket_type_pl}: "
                  f"{v.name_en if en else v.name_pl}",
            detail=self._t("checklist.admin_summary", count=len(v.items),
                           required=sum(1 for i in v.items if i.required))
            + (" · " + self._t("checklist.before_resolve_short")
               if v.required_before_resolve else "")
            + ("" if v.is_active else " · " + self._t("checklist.inactive")),
            active=v.is_active,
        ) for v in views]
        self.type_opts = [Opt(str(t.id), f"{t.contract} — {t.name_en if en else t.name_pl}")
                          for t in contracts.list_ticket_types(db, actor)]

    # ---- form

    @rx.event
    def new_template(self):
        self.f_id = self.f_type = self.f_name_pl = self.f_name_en = self.f_items = ""
        self.f_required_before_resolve, self.f_active = False, True
        self.message = self.error = ""
        self.form_errors = {}

    @rx.event
    def edit_template(self, template_id: str):
        v = self._views.get(str(template_id))
        if v is None:
            return
        self.f_id, self.f_type = str(v.id), str(v.ticket_type_id)
        self.f_name_pl, self.f_name_en = v.name_pl, v.name_en
        self.f_items = checklists.format_items(v.items)
        self.f_required_before_resolve, self.f_active = v.required_before_resolve, v.is_active
        self.message = self.error = ""
        self.form_errors = {}

    @handler(roles=routes.ADMINS)
    def save(self, db, actor: Actor):
        self.message = ""  # on a refusal the form keeps its text and shows the error
        data = TemplateInput(
            ticket_type_id=int(self.f_type) if self.f_type.isdigit() else None,
            name_pl=self.f_name_pl, name_en=self.f_name_en,
            items=checklists.parse_items(self.f_items),
            required_before_resolve=self.f_required_before_resolve,
            is_active=self.f_active,
        )
        saved = checklists.save_template(
            db, actor, data, int(self.f_id) if self.f_id.isdigit() else None)
        self.f_id = str(saved)
        self.error, self.message, self.form_errors = "", self._t("ticket.saved"), {}
        self._load(db, actor)
        v = self._views.get(self.f_id)
        if v is not None:  # show what was stored (trimmed labels, EN defaults)
            self.f_items = checklists.format_items(v.items)

    @handler(roles=routes.ADMINS)
    def delete(self, db, actor: Actor):
        if not self.f_id.isdigit():
            return
        self.message = ""
        checklists.delete_template(db, actor, int(self.f_id))
        self._load(db, actor)
        self.f_id = self.f_type = self.f_name_pl = self.f_name_en = self.f_items = ""
        self.f_required_before_resolve, self.f_active = False, True
        self.error, self.message, self.form_errors = "", self._t("checklist.deleted"), {}
