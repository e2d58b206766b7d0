"""Admin: the e-mail channel (/admin/mail) — inbound addresses and their IMAP mailboxes,
the mail log with the quarantine ("retry", "create ticket anyway"), the outbox.

Thin over domain/mail_admin.py (addresses, mail log, outbox) and
mail/inbound/admin_actions.py (running a quarantined message again): they validate and
re-check that the actor is an admin; refusals come back as toasts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Callable
from typing import ClassVar

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.config import RELAY_SECURITY, get_settings
from helpdesk_app.db import get_engine
from helpdesk_app.domain import contracts, directory, mail_admin
from helpdesk_app.domain.actor import Actor
from helpdesk_app.domain.errors import DomainError, NotFound
from helpdesk_app.domain.mail_admin import ChannelData
from helpdesk_app.i18n import CATALOGS, format_size
from helpdesk_app.mail.inbound import admin_actions
from helpdesk_app.models import InboundStatus, OutboundStatus
from helpdesk_app.state.admin_common import start_admin_page
from helpdesk_app.state.forms import CHOICE, Form
from helpdesk_app.state.session import SessionState
from helpdesk_app.state.toolkit import handler
from helpdesk_app.state.views import Opt

ALL = "all"  # the filters' "everything" value (the dropdown's placeholder entry)
PASSWORD_INPUT = "mc-imap-password"
# Every ticket mail's subject carries "[#<number>]" (mail/outbound/templates.py); the
# outbox row itself only knows the ticket's id.
_SUBJECT_NUMBER = re.compile(r"\[#(\d{4}-\d{6})\]")


@dataclasses.dataclass
class ChannelRow:
    id: str = ""
    address: str = ""
    name: str = ""
    queue: str = ""
    contract: str = ""
    active: bool = True
    imap: str = ""  # "host:port (security)", empty: SMTP only
    polled: str = ""
    imap_error: str = ""


@dataclasses.dataclass
class InboundView:
    id: str = ""
    received: str = ""
    mail_from: str = ""
    subject: str = ""
    size: str = ""
    status: str = ""
    status_label: str = ""
    reason: str = ""  # translated; an unknown key is shown as it is
    detail: str = ""
    ticket_number: str = ""
    quarantined: bool = False


@dataclasses.dataclass
class OutboxView:
    id: str = ""
    to_addr: str = ""
    subject: str = ""
    kind: str = ""
    status: str = ""
    status_label: str = ""
    attempts: int = 0
    next_attempt: str = ""
    last_error: str = ""
    ticket_number: str = ""  # linkable when known
    ticket_label: str = ""
    retryable: bool = False


def _mail_id(value) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise NotFound("mail.not_found") from None


def _port(text: str) -> int:
    text = (text or "").strip()
    if not text:
        return 993
    return int(text) if text.isdigit() else 0  # 0: refused next to the port field


class AdminMailState(Form, SessionState):
    # c_queue / c_contract: the dropdowns' placeholder ("default queue" / "no contract")
    # means none; the IMAP password has its own setter (it is backend-only)
    form_fields: ClassVar[dict[str, object]] = {
        **dict.fromkeys(("c_address", "c_name", "c_imap_host", "c_imap_port",
                         "c_imap_security", "c_imap_username", "c_imap_folder",
                         "c_imap_processed", "c_imap_quarantine"), str),
        "c_queue": CHOICE, "c_contract": CHOICE, "c_active": bool}
    message: str = ""
    error: str = ""
    # mail identity: the relays whose DKIM/DMARC pass vouches for staff mail (read-only,
    # POMOCNIK_MAIL_TRUSTED_AUTHSERV_IDS); "": none
    trusted_relays: str = ""
    form_errors: dict[str, str] = {}  # the address form: field -> message under it
    channel_rows: list[ChannelRow] = []
    queue_opts: list[Opt] = []
    contract_opts: list[Opt] = []
    security_opts: list[Opt] = [Opt(s, s) for s in reversed(RELAY_SECURITY)]  # ssl first
    # the address form (c_id "": a new address)
    c_id: str = ""
    c_address: str = ""
    c_name: str = ""
    c_queue: str = ""  # "": the default queue
    c_contract: str = ""  # "": none
    c_active: bool = True
    c_imap_host: str = ""
    c_imap_port: str = "993"
    c_imap_security: str = "ssl"
    c_imap_username: str = ""
    c_imap_folder: str = "INBOX"
    c_imap_processed: str = "Processed"
    c_imap_quarantine: str = "Quarantine"
    c_has_password: bool = False
    # mail log and outbox ("": every status)
    in_filter: str = ""
    in_status_opts: list[Opt] = []
    in_rows: list[InboundView] = []
    out_filter: str = ""
    out_status_opts: list[Opt] = []
    out_rows: list[OutboxView] = []

    # The IMAP password as typed: backend only, so it never travels back to a browser.
    _c_password: str = ""
    _channels: dict = {}

    # ---- helpers

    def _fail(self, error: DomainError):
        self.error, self.message = self._err(error), ""
        return rx.toast.error(self.error)

    def _label(self, key: str, raw: str) -> str:
        """The translation of `key`, or `raw` itself when the catalog does not know it."""
        return self._t(key) if key in CATALOGS["en"] else raw

    # ---- loading

    @handler(roles=routes.ADMINS)
    def on_load(self, db, actor: Actor):
        self.in_filter = self.out_filter = ""  # _load reads them: reset before it runs
        start_admin_page(self)
        self._load(db, actor)
        self._fill(None)
        return rx.set_value(PASSWORD_INPUT, "")

    def _load(self, db, actor: Actor) -> None:
        self.trusted_relays = ", ".join(get_settings().mail.trusted_authserv_ids)
        queues = {str(o.id): o.label for o in directory.queues(db)}
        cons = {str(c.id): f"{c.organisation} — {c.name}"
                for c in contracts.list_contracts(db, actor)}
        self.queue_opts = [Opt(k, v) for k, v in queues.items()]
        self.contract_opts = [Opt(k, v) for k, v in cons.items()]
        channels = mail_admin.list_channels(db, actor)
        self._channels = {str(c.id): c for c in channels}
        self.channel_rows = [ChannelRow(
            id=str(c.id), address=c.address, name=c.name,
            queue=queues.get(str(c.queue_id), "") if c.queue_id else "",
            contract=cons.get(str(c.contract_id), "") if c.contract_id else "",
            active=c.is_active,
            imap=f"{c.imap_host}:{c.imap_port} ({c.imap_security})" if c.imap_host else "",
            polled=self._dt(c.imap_polled_at), imap_error=c.imap_last_error)
            for c in channels]
        self.in_status_opts = [Opt(s, self._t(f"mail.status.{s}")) for s in (
            InboundStatus.QUARANTINED, InboundStatus.REJECTED, InboundStatus.IGNORED,
            InboundStatus.DONE, InboundStatus.RECEIVED)]
        self.out_status_opts = [Opt(s, self._t(f"mail.status.{s}")) for s in (
            OutboundStatus.PENDING, OutboundStatus.FAILED, OutboundStatus.SENT)]
        self._load_inbound(db, actor)
        self._load_outbox(db, actor)

    def _load_inbound(self, db, actor: Actor) -> None:
        rows = mail_admin.list_inbound(db, actor, status=self.in_filter or None)
        lang = self.ui_lang
        self.in_rows = [InboundView(
            id=str(r.id), received=self._dt(r.received_at), mail_from=r.mail_from,
            subject=r.subject, size=format_size(r.size, lang), status=r.status,
            status_label=self._label(f"mail.status.{r.status}", r.status),
            reason=self._label(f"mail.reason.{r.reason}", r.reason) if r.reason else "",
            # "refused" keeps the ticket rule's catalog key as its detail
            detail=self._label(r.detail, r.detail) if r.reason == "refused" else r.detail,
            ticket_number=r.ticket_number,
            quarantined=r.status == InboundStatus.QUARANTINED) for r in rows]

    def _load_outbox(self, db, actor: Actor) -> None:
        rows = mail_admin.list_outbox(db, actor, status=self.out_filter or None)
        views = []
        for r in rows:
            found = _SUBJECT_NUMBER.search(r.subject) if r.ticket_id else None
            number = found.group(1) if found else ""
            views.append(OutboxView(
                id=str(r.id), to_addr=r.to_addr, subject=r.subject,
                kind=self._label(f"mail.kind.{r.kind}", r.kind), status=r.status,
                status_label=self._label(f"mail.status.{r.status}", r.status),
                attempts=r.attempts,
                next_attempt=self._dt(r.next_attempt_at)
                if r.status == OutboundStatus.PENDING else "",
                last_error=r.last_error, ticket_number=number,
                ticket_label=number or (f"#{r.ticket_id}" if r.ticket_id else ""),
                retryable=r.status in (OutboundStatus.PENDING, OutboundStatus.FAILED)))
        self.out_rows = views

    @handler(roles=routes.ADMINS, toast=True)
    def refresh(self, db, actor: Actor):
        self.message = ""
        self._load(db, actor)

    # ---- the address form

    def _fill(self, c: mail_admin.ChannelView | None) -> None:
        d = c or mail_admin.ChannelView(
            id=0, address="", name="", queue_id=None, contract_id=None, is_active=True,
            imap_host="", imap_port=993, imap_security="ssl", imap_username="",
            has_password=False, imap_folder="INBOX", imap_processed_folder="Processed",
            imap_quarantine_folder="Quarantine", imap_last_error="", imap_polled_at=None)
        self.c_id = str(d.id) if c is not None else ""
        self.c_address, self.c_name, self.c_active = d.address, d.name, d.is_active
        self.c_queue = str(d.queue_id) if d.queue_id else ""
        self.c_contract = str(d.contract_id) if d.contract_id else ""
        self.c_imap_host, self.c_imap_port = d.imap_host, str(d.imap_port)
        self.c_imap_security, self.c_imap_username = d.imap_security, d.imap_username
        self.c_imap_folder, self.c_imap_processed = d.imap_folder, d.imap_processed_folder
        self.c_imap_quarantine = d.imap_quarantine_folder
        self.c_has_password = d.has_password
        self._c_password = ""

    @rx.event
    def set_password(self, value: str):
        self._c_password = str(value)

    @rx.event
    def new_channel(self):
        self._fill(None)
        self.message = self.error = ""
        self.form_errors = {}
        return rx.set_value(PASSWORD_INPUT, "")

    @handler(roles=routes.ADMINS)
    def edit_channel(self, db, actor: Actor, channel_id: str):
        view = self._channels.get(str(channel_id))
        if view is None:
            return None
        self._fill(view)
        self.message = self.error = ""
        self.form_errors = {}
        return rx.set_value(PASSWORD_INPUT, "")

    @handler(roles=routes.ADMINS, toast=True)  # on a refusal the form keeps what was typed
    def save_channel(self, db, actor: Actor):
        self.message = ""
        data = ChannelData(
                address=self.c_address, name=self.c_name,
                queue_id=int(self.c_queue) if self.c_queue.isdigit() else None,
                contract_id=int(self.c_contract) if self.c_contract.isdigit() else None,
                is_active=self.c_active, imap_host=self.c_imap_host,
                imap_port=_port(self.c_imap_port), imap_security=self.c_imap_security,
                imap_username=self.c_imap_username,
                imap_password=self._c_password or None,  # empty: keep the stored one
                imap_folder=self.c_imap_folder,
                imap_processed_folder=self.c_imap_processed,
                imap_quarantine_folder=self.c_imap_quarantine)
        channel_id = int(self.c_id) if self.c_id.isdigit() else None
        saved = mail_admin.save_channel(db, actor, channel_id, data)
        self._load(db, actor)
        self._fill(self._channels.get(str(saved)))
        self.error, self.message, self.form_errors = "", self._t("mail_admin.channel_saved"), {}
        return [rx.set_value(PASSWORD_INPUT, ""), rx.toast.success(self.message)]

    # ---- mail log and outbox

    @handler(roles=routes.ADMINS)
    def set_inbound_filter(self, db, actor: Actor, value: str):
        return self._filter(db, actor, "in_filter", str(value), self._load_inbound)

    @handler(roles=routes.ADMINS)
    def set_outbox_filter(self, db, actor: Actor, value: str):
        return self._filter(db, actor, "out_filter", str(value), self._load_outbox)

    def _filter(self, db, actor: Actor, name: str, value: str,
                load: Callable) -> rx.event.EventSpec | None:
        previous = getattr(self, name)
        try:
            setattr(self, name, "" if value in ("", ALL) else value)
            load(db, actor)
        except DomainError as e:
            setattr(self, name, previous)
            return self._fail(e)
        self.error = ""
        return None

    @handler(roles=routes.ADMINS, toast=True)
    async def retry_mail(self, db, actor: Actor, mail_id: str):
        """Run a quarantined message through the pipeline again."""
        return await self._reprocess(db, actor, admin_actions.retry, mail_id)

    @handler(roles=routes.ADMINS, toast=True)
    async def force_mail(self, db, actor: Actor, mail_id: str):
        """"Create ticket anyway" for a quarantined message."""
        return await self._reprocess(db, actor, admin_actions.create_anyway, mail_id)

    async def _reprocess(self, db, actor: Actor, run: Callable, mail_id) -> object:
        self.message = ""
        wanted = _mail_id(mail_id)
        # The pipeline may wait for the mail worker's current message: off the loop.
        # The handler's session goes with it (this handler waits, nothing else uses it).
        status = await asyncio.to_thread(run, db, get_engine(), actor, wanted)
        self._load(db, actor)
        found = [r for r in mail_admin.list_inbound(
            db, actor, status=status, limit=mail_admin.LIST_MAX) if r.id == wanted]
        self.error = ""
        self.message = self._result(status, found[0] if found else None)
        if status == InboundStatus.DONE:
            return rx.toast.success(self.message)
        return rx.toast.warning(self.message)

    def _result(self, status: str, row: mail_admin.InboundRow | None) -> str:
        label = self._label(f"mail.status.{status}", status)
        if row is not None and row.ticket_number and status == InboundStatus.DONE:
            return self._t("mail_admin.result_ticket", status=label, number=row.ticket_number)
        if row is not None and row.reason:
            reason = self._label(f"mail.reason.{row.reason}", row.reason)
            return self._t("mail_admin.result_reason", status=label, reason=reason)
        return self._t("mail_admin.result", status=label)

    @handler(roles=routes.ADMINS, toast=True)
    def retry_outbound(self, db, actor: Actor, mail_id: str):
        self.message = ""
        mail_admin.retry_outbox(db, actor, _mail_id(mail_id))
        self._load_outbox(db, actor)
        self.error, self.message = "", self._t("mail_admin.outbox_retried")
        return rx.toast.success(self.message)
