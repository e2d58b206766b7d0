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
        self.requester = v

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
