"""Opening a ticket: agents on behalf of a client (any channel), clients for themselves."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.db import session_scope
from helpdesk_app.domain import directory, tickets
from helpdesk_app.domain.attachments import IncomingFile
from helpdesk_app.domain.errors import DomainError
from helpdesk_app.models import Channel, Priority
from helpdesk_app.state import live
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.views import Opt, options

NEW_UPLOAD_ID = "new_ticket_files"


class NewTicketState(SessionState):
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
    requester_opts: list[Opt] = []
    queue_opts: list[Opt] = []
    priority_opts: list[Opt] = []
    channel_opts: list[Opt] = []

    @rx.event
    def on_load(self):
        live.unwatch(self)
        self.error = ""
        with session_scope() as db:
            actor = self._actor(db)
            if actor is None:
                return self._to_login()
            if actor.is_staff:
                self.requester_opts = [Opt(str(o.id), o.label)
                                       for o in directory.client_users(db, actor)]
                self.queue_opts = [Opt(str(o.id), o.label) for o in directory.queues(db)]
                self.priority_opts = options(list(Priority.ALL), self.ui_lang, "priority")
                self.channel_opts = options(list(Channel.ALL), self.ui_lang, "channel")
                if not self.queue and self.queue_opts:
                    self.queue = self.queue_opts[0].value
        return None

    @rx.event
    def set_subject(self, v: str):
        self.subject = v

    @rx.event
    def set_body(self, v: str):
        self.body = v

    @rx.event
    def set_requester(self, v: str):
        self.requester = "" if v == "all" else v
        with session_scope() as db:
            actor = self._actor(db)
            if actor is None or not actor.is_staff:
                return self._to_login()
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
        return None

    def _pick_contract(self, contract_id: str) -> None:
        self.contract = contract_id
        types = self._types_by_contract.get(contract_id, [])
        self.type_opts = [Opt(v, label) for v, label in types]
        self.ticket_type = types[0][0] if types else ""

    @rx.event
    def set_contract(self, v: str):
        self._pick_contract("" if v == "all" else v)

    @rx.event
    def set_ticket_type(self, v: str):
        self.ticket_type = "" if v == "all" else v

    @rx.event
    def set_queue(self, v: str):
        self.queue = v

    @rx.event
    def set_priority(self, v: str):
        self.priority = v

    @rx.event
    def set_channel(self, v: str):
        self.channel = v

    @rx.event
    async def submit(self, files: list[rx.UploadFile]):
        with session_scope() as db:
            actor = self._actor(db)
        if actor is None:
            return self._to_login()
        incoming = [IncomingFile(f.name or "file", await f.read(), f.content_type or "")
                    for f in files]
        data = tickets.NewTicket(
            subject=self.subject, body=self.body, files=incoming,
            requester_id=int(self.requester) if self.requester.isdigit() else None,
            queue_id=int(self.queue) if self.queue.isdigit() else None,
            priority=int(self.priority) if self.priority.isdigit() else Priority.NORMAL,
            channel=self.channel,
            contract_id=int(self.contract) if self.contract.isdigit() else None,
            ticket_type_id=int(self.ticket_type) if self.ticket_type.isdigit() else None,
        )
        try:
            with session_scope() as db:
                row = tickets.create_ticket(db, actor, data)
        except DomainError as e:
            self.error = self._err(e)  # the form keeps everything typed
            return None
        self.error, self.subject, self.body = "", "", ""
        base = "/agent/tickets/" if actor.is_staff else "/portal/tickets/"
        return [rx.clear_selected_files(NEW_UPLOAD_ID), rx.redirect(base + row.number)]
