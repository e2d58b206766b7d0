"""Admin: statuses, per-contract status sets and allowed transitions (/admin/workflow)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import contracts, permissions, workflow
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.workflow import COLOURS, StatusInput
from helpdesk_app.models import SlaEffect, StatusCategory
from helpdesk_app.state.admin_common import start_admin_page
from helpdesk_app.state.forms import Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler
from helpdesk_app.state.views import Opt, options

DEFAULT_SET = "default"  # the contract picker's value for the default set


@dataclasses.dataclass
class StatusRow:
    id: str = ""  # the status key
    title: str = ""
    detail: str = ""
    colour: str = "gray"
    active: bool = True


class AdminWorkflowState(Form, SessionState):
    # s_key has its own setter: the key of an existing status is fixed
    form_fields: ClassVar[dict[str, object]] = {
        **dict.fromkeys(("s_name_pl", "s_name_en", "s_category", "s_sla", "s_colour",
                         "s_order", "s_label_pl", "s_label_en"), str),
        **dict.fromkeys(("s_default", "s_client_visible", "s_sub_visible", "s_client_may_set",
                         "s_closes", "s_active"), bool)}
    message: str = ""
    error: str = ""
    # field -> message under it: the status form's fields, and the per-contract part's
    # "contract" and "statuses" (its set)
    form_errors: dict[str, str] = {}
    status_rows: list[StatusRow] = []
    category_opts: list[Opt] = []
    sla_opts: list[Opt] = []
    colour_opts: list[Opt] = []  # every colour, named in the user's language
    contract_opts: list[Opt] = []
    # status form (s_editing: an existing status — its key is fixed)
    s_editing: bool = False
    s_key: str = ""
    s_name_pl: str = ""
    s_name_en: str = ""
    s_category: str = StatusCategory.OPEN
    s_sla: str = SlaEffect.COUNTS
    s_colour: str = "gray"
    s_order: str = "0"
    s_default: bool = False
    s_client_visible: bool = True
    s_label_pl: str = ""
    s_label_en: str = ""
    s_sub_visible: bool = True
    s_client_may_set: bool = False
    s_closes: bool = False
    s_active: bool = True
    # set and transitions of one contract ("default": the default set)
    w_contract: str = ""
    set_opts: list[Opt] = []  # every active status, to tick into a contract's set
    set_keys: list[str] = []  # ticked (empty = the default set)
    uses_default: bool = False  # the chosen contract has no own set (saved state)
    member_opts: list[Opt] = []  # the saved set's statuses: the transition matrix axes
    trans_keys: list[str] = []  # "from>to" pairs ticked (none = every move allowed)

    _statuses: dict = {}

    # ---- loading

    @handler(roles=routes.STAFF, permission=permissions.CONFIG_WORKFLOW)
    def on_load(self, db, actor: Actor):
        start_admin_page(self)
        self._load(db, actor)

    def _name(self, s) -> str:
        return s.name_en if self.ui_lang == "en" else s.name_pl

    def _load(self, db, actor: Actor) -> None:
        lang = self.ui_lang
        statuses = workflow.all_statuses(db)
        self._statuses = {k: dataclasses.asdict(_status_input(s)) for k, s in statuses.items()}
        self.status_rows = [StatusRow(k, f"{self._name(s)} ({k})", self._summary(s), s.colour,
                                      s.is_active) for k, s in statuses.items()]
        self.set_opts = [Opt(k, self._name(s)) for k, s in statuses.items() if s.is_active]
        self.category_opts = options(list(StatusCategory.ALL), lang, "status_category")
        self.sla_opts = options(list(SlaEffect.ALL), lang, "workflow.sla")
        self.colour_opts = options(list(COLOURS), lang, "colour")
        self.contract_opts = [Opt(DEFAULT_SET, self._t("workflow.default_set"))] + [
            Opt(str(c.id), f"{c.organisation} — {c.name}")
            for c in contracts.list_contracts(db, actor)]
        self._load_set(db)

    def _summary(self, s) -> str:
        lang = self.ui_lang
        parts = [self._t(f"status_category.{s.category}"), self._t(f"workflow.sla.{s.sla_effect}"),
                 self._t(f"colour.{s.colour}"),
                 self._t("workflow.order_short", order=s.sort_order)]
        if s.is_default:
            parts.append(self._t("workflow.flag.default"))
        if s.client_visible:
            parts.append(self._t("workflow.flag.client_visible"))
        else:
            public = workflow.label(s, lang, for_client=True)
            parts.append(self._t("workflow.flag.client_hidden", label=public))
        parts.append(self._t("workflow.flag.sub_visible" if s.subcontractor_visible
                             else "workflow.flag.sub_hidden"))
        if s.client_may_set:
            parts.append(self._t("workflow.flag.client_may_set"))
        if s.closes:
            parts.append(self._t("workflow.flag.closes"))
        if not s.is_active:
            parts.append(self._t("workflow.flag.inactive"))
        return " · ".join(parts)

    def _contract_id(self) -> int | None:
        return int(self.w_contract) if self.w_contract.isdigit() else None

    def _load_set(self, db) -> None:
        """The chosen contract's set and transitions as stored."""
        if self.w_contract != DEFAULT_SET and not self.w_contract.isdigit():
            self.set_keys, self.member_opts, self.trans_keys = [], [], []
            self.uses_default = False
            return
        cid = self._contract_id()
        own = workflow.own_set_keys(db, cid) if cid is not None else []
        self.set_keys = own
        self.uses_default = cid is not None and not own
        members = workflow.status_set(db, cid)
        self.member_opts = [Opt(s.key, self._name(s)) for s in members]
        scope = None if self.uses_default else cid
        self.trans_keys = [f"{a}>{b}" for a, b in workflow.transition_pairs(db, scope)]

    # ---- status form

    @rx.event
    def set_status_key(self, value: str):
        if not self.s_editing:
            self.s_key = "" if value is None else str(value)

    @rx.event
    def new_status(self):
        self._fill(StatusInput(key="", name_pl="", name_en="", category=StatusCategory.OPEN))
        self.s_editing = False
        self.message = self.error = ""
        self.form_errors = {}

    @rx.event
    def edit_status(self, key: str):
        data = self._statuses.get(str(key))
        if data is None:
            return
        self._fill(StatusInput(**data))
        self.s_editing = True
        self.message = self.error = ""
        self.form_errors = {}

    def _fill(self, d: StatusInput) -> None:
        self.s_key, self.s_name_pl, self.s_name_en = d.key, d.name_pl, d.name_en
        self.s_category, self.s_sla, self.s_colour = d.category, d.sla_effect, d.colour
        self.s_order, self.s_default = str(d.sort_order), d.is_default
        self.s_client_visible, self.s_label_pl, self.s_label_en = (
            d.client_visible, d.client_label_pl, d.client_label_en)
        self.s_sub_visible, self.s_client_may_set = d.subcontractor_visible, d.client_may_set
        self.s_closes, self.s_active = d.closes, d.is_active

    @handler(roles=routes.STAFF, permission=permissions.CONFIG_WORKFLOW)
    def save_status(self, db, actor: Actor):
        self.message = ""  # on a refusal the form keeps its text and shows the error
        key = self.s_key.strip()
        data = StatusInput(
            key=key, name_pl=self.s_name_pl, name_en=self.s_name_en,
            category=self.s_category, sla_effect=self.s_sla, colour=self.s_colour,
            sort_order=self.s_order, is_default=self.s_default,
            client_visible=self.s_client_visible, client_label_pl=self.s_label_pl,
            client_label_en=self.s_label_en, subcontractor_visible=self.s_sub_visible,
            client_may_set=self.s_client_may_set, closes=self.s_closes,
            is_active=self.s_active,
        )
        workflow.save_status(db, actor, data, new=not self.s_editing)
        self.s_key, self.s_editing = key, True
        self.error, self.message, self.form_errors = "", self._t("ticket.saved"), {}
        self._load(db, actor)

    # ---- a contract's set and transitions

    @handler(roles=routes.STAFF, permission=permissions.CONFIG_WORKFLOW)
    def choose_contract(self, db, actor: Actor, value: str):
        self.w_contract = "" if value == "all" else str(value)
        self.message = self.error = ""
        self._forget_set_errors()
        self._load_set(db)

    def _forget_set_errors(self) -> None:
        self.form_errors = {k: v for k, v in self.form_errors.items()
                            if k not in ("contract", "statuses")}

    @rx.event
    def toggle_set(self, key: str, on: bool):
        chosen = [k for k in self.set_keys if k != key]
        self.set_keys = [*chosen, str(key)] if on else chosen

    @handler(roles=routes.STAFF, permission=permissions.CONFIG_WORKFLOW)
    def save_set(self, db, actor: Actor):
        cid = self._contract_id()
        if cid is None:
            return
        self.message = ""
        order = [o.value for o in self.set_opts]
        keys = sorted(self.set_keys, key=lambda k: order.index(k) if k in order else 1_000)
        workflow.save_contract_set(db, actor, cid, keys)
        if not keys:  # back to the default set: its own rules no longer apply
            workflow.save_transitions(db, actor, cid, [])
        self.error, self.message = "", self._t("ticket.saved")
        self._forget_set_errors()
        self._load_set(db)

    @rx.event
    def toggle_transition(self, pair: str, on: bool):
        chosen = [p for p in self.trans_keys if p != pair]
        self.trans_keys = [*chosen, str(pair)] if on else chosen

    @handler(roles=routes.STAFF, permission=permissions.CONFIG_WORKFLOW)
    def save_transitions(self, db, actor: Actor):
        if self.w_contract != DEFAULT_SET and self._contract_id() is None:
            return
        if self.uses_default:  # nothing of its own to restrict; see the page's note
            return
        self.message = ""
        pairs = [tuple(p.split(">", 1)) for p in self.trans_keys if ">" in p]
        workflow.save_transitions(db, actor, self._contract_id(), pairs)
        self.error, self.message = "", self._t("ticket.saved")
        self._forget_set_errors()
        self._load_set(db)


def _status_input(s) -> StatusInput:
    return StatusInput(
        key=s.key, name_pl=s.name_pl, name_en=s.name_en, category=s.category,
        sla_effect=s.sla_effect, colour=s.colour, sort_order=s.sort_order,
        is_default=s.is_default, client_visible=s.client_visible,
        client_label_pl=s.client_label_pl, client_label_en=s.client_label_en,
        subcontractor_visible=s.subcontractor_visible, client_may_set=s.client_may_set,
        closes=s.closes, is_active=s.is_active)
