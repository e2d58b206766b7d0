"""Opening a ticket: agents on behalf of a client (any channel), clients for themselves.

Custom fields: once the contract and ticket type are known (agents: the requester's
contract and the chosen type; clients: what the server will pick for them) the form shows
the fields of that (contract, type) this actor may see. Every change re-runs
`fields.evaluate` here on the server (state/ticket_fields.FieldForm), so dependent fields
appear, disappear, become required and offer their options live; at submit the values go
to `tickets.create_ticket`, which checks them with the same function.
"""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.domain import directory, fields, tickets
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import FormInvalid
from helpdesk_app.domain.fields import FieldValuesInvalid
from helpdesk_app.models import Channel, Priority
from helpdesk_app.state import live
from helpdesk_app.state.forms import CHOICE, Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.ticket_fields import FieldForm, FieldRow, user_options
from helpdesk_app.state.toolkit import handler
from helpdesk_app.state.uploads import read_uploads
from helpdesk_app.state.views import Opt, options

NEW_UPLOAD_ID = "new_ticket_files"


class NewTicketState(Form, SessionState):
    form_fields: ClassVar[dict[str, object]] = {
        "subject": str, "body": str, "queue": str, "priority": str, "channel": str,
        "nc_name": str, "nc_email": str, "nc_org": CHOICE}

    subject: str = ""
    body: str = ""
    requester: str = ""
    queue: str = ""
    priority: str = str(Priority.NORMAL)
    channel: str = Channel.PHONE
    contract: str = ""
    ticket_type: str = ""
    contract_opts: list[Opt] = []
    type_opts: list[Opt] = []
    _types_by_contract: dict = {}
    error: str = ""
    requester_opts: list[Opt] = []  # the picker's current matches (never all clients)
    requester_search: str = ""
    # "new contact" inline: the person is created and chosen without leaving the form
    show_new_contact: bool = False
    nc_name: str = ""
    nc_email: str = ""
    nc_org: str = ""
    nc_errors: dict[str, str] = {}
    form_errors: dict[str, str] = {}  # the form's own fields: message next to each
    org_opts: list[Opt] = []
    queue_opts: list[Opt] = []
    priority_opts: list[Opt] = []
    channel_opts: list[Opt] = []
    # custom fields of the (contract, type) the ticket will get
    field_rows: list[FieldRow] = []
    field_user_opts: list[Opt] = []
    _form: FieldForm = FieldForm()
    _fields_for: str = ""  # "contract:type" the loaded views belong to

    @handler()
    def on_load(self, db, actor: Actor):
        live.unwatch(self)
        self.error = ""
        self._load_fields(db, actor)
        if actor.is_staff:
            self._find_requesters(db, actor)
            self.queue_opts = [Opt(str(o.id), o.label) for o in directory.queues(db)]
            self.priority_opts = options(list(Priority.ALL), self.ui_lang, "priority")
            self.channel_opts = options(list(Channel.ALL), self.ui_lang, "channel")
            if not self.queue and self.queue_opts:
                self.queue = self.queue_opts[0].value

    def _find_requesters(self, db, actor: Actor) -> None:
        found = [Opt(str(o.id), o.label)
                 for o in directory.find_clients(db, actor, self.requester_search)]
        if self.requester.isdigit() and self.requester not in {o.value for o in found}:
            label = directory.client_label(db, actor, int(self.requester))
            found = ([Opt(self.requester, label)] if label else []) + found
        self.requester_opts = found

    @handler(roles=routes.STAFF)
    def search_requesters(self, db, actor: Actor, text: str):
        """Type to find: name, e-mail or organisation (the chosen person stays listed)."""
        self.requester_search = text[:200]
        self._find_requesters(db, actor)

    @handler(roles=routes.STAFF)
    def toggle_new_contact(self, db, actor: Actor):
        self.show_new_contact = not self.show_new_contact
        self.nc_errors = {}
        if self.show_new_contact and not self.org_opts:
            self.org_opts = [Opt(str(o.id), o.label)
                             for o in directory.client_organisations(db, actor)]

    @handler(roles=routes.STAFF)
    def create_contact(self, db, actor: Actor):
        try:
            made = directory.create_contact(
                db, actor, self.nc_name, self.nc_email,
                int(self.nc_org) if self.nc_org.isdigit() else None)
        except FormInvalid as e:  # every problem at once, next to its field
            self.nc_errors = self._field_errors(e)
            return
        self.nc_name = self.nc_email = self.nc_org = ""
        self.nc_errors, self.show_new_contact = {}, False
        self.requester_search = ""
        self._choose_requester(db, actor, str(made.id))
        self._find_requesters(db, actor)

    @handler(roles=routes.STAFF)
    def set_requester(self, db, actor: Actor, v: str):
        self._choose_requester(db, actor, v)

    def _choose_requester(self, db, actor: Actor, v: str) -> None:
        self.requester = "" if v == "all" else v
        choices = tickets.classification_choices(
            db, actor, requester_id=int(self.requester) if self.requester.isdigit() else None)
        lang = self.ui_lang
        self.contract_opts = [Opt(str(c.id), c.name + (" ★" if c.is_key else ""))
                              for c in choices]
        self._types_by_contract = {
            str(c.id): [(str(t), pl if lang == "pl" else en) for t, pl, en in c.types]
            for c in choices}
        # One valid contract is taken automatically; with several the agent must pick.
        self._pick_contract(self.contract_opts[0].value if len(choices) == 1 else "")
        self._load_fields(db, actor)

    def _pick_contract(self, contract_id: str) -> None:
        self.contract = contract_id
        types = self._types_by_contract.get(contract_id, [])
        self.type_opts = [Opt(v, label) for v, label in types]
        self.ticket_type = types[0][0] if types else ""

    @handler()
    def set_contract(self, db, actor: Actor, v: str):
        self._pick_contract("" if v == "all" else v)
        self._load_fields(db, actor)

    @handler()
    def set_ticket_type(self, db, actor: Actor, v: str):
        self.ticket_type = "" if v == "all" else v
        self._load_fields(db, actor)

    # ---- custom fields

    def _classification(self, db, actor: Actor) -> tuple[int | None, int | None] | None:
        """The (contract, type) the ticket will get, as create_ticket decides it; None
        while the agent has not chosen the requester (or must still pick a contract)."""
        if actor.is_staff:
            if not self.requester.isdigit():
                return None
            if not self.contract_opts:  # the client has no valid contract
                return None, None
            if not self.contract.isdigit():
                return None
            types = self._types_by_contract.get(self.contract, [])
            type_id = self.ticket_type if self.ticket_type.isdigit() else (
                types[0][0] if types else "")
            return int(self.contract), int(type_id) if type_id else None
        # Clients choose neither: the organisation's only valid contract and its first type.
        return tickets.client_classification(db, actor)

    def _load_fields(self, db, actor: Actor) -> None:
        """(Re)load the field views for the current classification. Values typed into
        fields that still apply are kept; new fields start with their defaults."""
        picked = self._classification(db, actor)
        key = "" if picked is None else f"{picked[0]}:{picked[1]}"
        form = self._form
        if picked is None:
            form.views, self._fields_for = [], ""
        elif key != self._fields_for or not form.views:
            views = fields.applicable_fields(db, actor, contract_id=picked[0],
                                             ticket_type_id=picked[1])
            kept = {k: v for k, v in form.values.items() if k in form.touched}
            form.tz, form.moment = actor.timezone, "create"
            form.reload(views, fields.initial_values(views), keep_edits=False)
            form.values.update({k: v for k, v in kept.items() if form.view(k)})
            form.touched = {k for k in kept if form.view(k)}
            self._fields_for = key
            self.field_user_opts = user_options(db, actor, views)
        self._form = form
        self._show_fields()

    def _show_fields(self) -> None:
        self.field_rows = self._form.rows(self.ui_lang, users=self.field_user_opts)

    @rx.event
    def set_field(self, key: str, value):
        form = self._form
        if form.set(str(key), value):
            self._form = form
            self._show_fields()

    @rx.event
    def toggle_field_option(self, key: str, option: str, on: bool):
        form = self._form
        if form.toggle(str(key), str(option), bool(on)):
            self._form = form
            self._show_fields()

    @handler()  # a refusal shows in `error`; the form keeps everything typed
    async def submit(self, db, actor: Actor, files: list[rx.UploadFile]):
        incoming = await read_uploads(files)
        data = tickets.NewTicket(
            subject=self.subject, body=self.body, files=incoming,
            requester_id=int(self.requester) if self.requester.isdigit() else None,
            queue_id=int(self.queue) if self.queue.isdigit() else None,
            priority=int(self.priority) if self.priority.isdigit() else Priority.NORMAL,
            channel=self.channel,
            contract_id=int(self.contract) if self.contract.isdigit() else None,
            ticket_type_id=int(self.ticket_type) if self.ticket_type.isdigit() else None,
            fields=self._form.payload(only_changed=False),
        )
        try:
            row = tickets.create_ticket(db, actor, data)
        except FormInvalid as e:
            # every problem at once: these next to their fields, and the custom fields'
            # own rules shown too, so nothing waits for a second try
            self.form_errors = self._field_errors(e)
            form = self._form
            form.show_all = True
            self._form = form
            self._show_fields()
            self.error = self._t("form.invalid")
            return None
        except FieldValuesInvalid as e:
            form = self._form
            form.refused(e)  # each field shows its own message; everything typed stays
            self._form = form
            self._show_fields()
            self.error = self._err(e)
            return None
        self.error, self.subject, self.body, self.form_errors = "", "", "", {}
        self._form, self._fields_for, self.field_rows = FieldForm(), "", []
        return [rx.clear_selected_files(NEW_UPLOAD_ID),
                rx.redirect(routes.ticket_page(row.number, staff=actor.is_staff))]
