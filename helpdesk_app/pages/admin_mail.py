"""Admin: the e-mail channel — addresses (with IMAP mailboxes), the mail log with the
quarantine, the outbox."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import pick_field, text_field
from helpdesk_app.components.layout import error_callout
from helpdesk_app.components.page import page
from helpdesk_app.state.admin_mail import PASSWORD_INPUT, ChannelRow, InboundView, OutboxView
from helpdesk_app.state.admin_mail import AdminMailState as A
from helpdesk_app.state.session import SessionState as S

_STATUS_COLOURS = {"quarantined": "red", "rejected": "orange", "ignored": "gray",
                   "done": "green", "received": "blue", "pending": "blue", "failed": "red",
                   "sent": "green"}
_LONG_LIST = "70vh"  # up to 100 rows each: the lists scroll, the page stays short
_ROW = {"direction": rx.breakpoints(initial="column", md="row"), "gap": "0.75em",
        "width": "100%"}


def _status(status, label) -> rx.Component:
    return rx.badge(label, color_scheme=rx.match(status, *_STATUS_COLOURS.items(), "gray"),
                    variant="soft", class_name="pm-mail-status")


def _head(*keys: str) -> rx.Component:
    return rx.table.header(rx.table.row(
        *[rx.table.column_header_cell(S.tr[k] if k else "") for k in keys]))


def _scroll(table: rx.Component, max_height: str = "none") -> rx.Component:
    return rx.box(table, overflow="auto", width="100%", max_height=max_height)


def _field(name: str, label_key: str, value, id: str, error: str = "",
           **kw) -> rx.Component:
    """A text input; `error`: the domain's field name whose message shows under it."""
    return text_field(S.tr[label_key], value, A.set_value(name), id,
                      error=A.form_errors.get(error, "") if error else None, **kw)


# --------------------------------------------------------------------------- addresses


def _channel_row(r: ChannelRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(r.address, weight="medium")),
        rx.table.cell(r.name),
        rx.table.cell(rx.cond(r.queue != "", r.queue, S.tr["mail_admin.default_queue"])),
        rx.table.cell(rx.cond(r.contract != "", r.contract, "—")),
        rx.table.cell(rx.cond(r.active, S.tr["mail_admin.yes"], S.tr["mail_admin.no"])),
        rx.table.cell(rx.vstack(
            rx.text(rx.cond(r.imap != "", r.imap, "—")),
            rx.cond(r.polled != "", rx.text(S.tr["mail_admin.polled"], " ", r.polled,
                                            size="1", color_scheme="gray")),
            rx.cond(r.imap_error != "", rx.text(r.imap_error, size="1", color="var(--red-11)",
                                                class_name="pm-imap-error")),
            spacing="0")),
        rx.table.cell(rx.button(S.tr["admin.edit"], size="1", variant="soft",
                                on_click=A.edit_channel(r.id), id="mc-edit-" + r.id)),
        class_name="pm-channel-row", custom_attrs={"data-address": r.address},
    )


def _channel_form() -> rx.Component:
    return rx.vstack(
        rx.heading(rx.cond(A.c_id == "", S.tr["mail_admin.new_address"],
                           S.tr["mail_admin.edit_address"]), size="3"),
        rx.flex(
            _field("c_address", "mail_admin.address", A.c_address, "mc-address",
                   "address", placeholder="pomoc@firma.pl", required=True),
            _field("c_name", "admin.name", A.c_name, "mc-name"),
            **_ROW),
        rx.flex(
            pick_field(S.tr["mail_admin.queue"], A.queue_opts, A.c_queue,
                       A.set_value("c_queue"), "mc-queue",
                       S.tr["mail_admin.default_queue"], error=A.form_errors.get("queue", "")),
            pick_field(S.tr["mail_admin.contract"], A.contract_opts, A.c_contract,
                       A.set_value("c_contract"), "mc-contract",
                       S.tr["mail_admin.no_contract"],
                       error=A.form_errors.get("contract", "")),
            **_ROW),
        rx.hstack(
            rx.checkbox(checked=A.c_active, on_change=A.set_value("c_active"), id="mc-active"),
            rx.text(S.tr["mail_admin.active"], size="2", as_="label", html_for="mc-active"),
            align="center"),
        rx.text(S.tr["mail_admin.imap"], size="2", weight="medium"),
        rx.text(S.tr["mail_admin.imap_help"], size="1", color_scheme="gray"),
        rx.flex(
            _field("c_imap_host", "mail_admin.imap_host", A.c_imap_host, "mc-imap-host",
                   placeholder="imap.firma.pl"),
            _field("c_imap_port", "mail_admin.imap_port", A.c_imap_port, "mc-imap-port",
                   "imap_port", input_mode="numeric"),
            pick_field(S.tr["mail_admin.imap_security"], A.security_opts, A.c_imap_security,
                       A.set_value("c_imap_security"),
                       "mc-imap-security", error=A.form_errors.get("imap_security", "")),
            **_ROW),
        rx.flex(
            _field("c_imap_username", "mail_admin.imap_username", A.c_imap_username,
                   "mc-imap-username", "imap_username", auto_complete="off"),
            rx.vstack(
                rx.text(S.tr["mail_admin.imap_password"], size="1", weight="medium",
                        as_="label", html_for=PASSWORD_INPUT),
                # Uncontrolled: what is typed goes to the server, nothing comes back.
                rx.input(type="password", on_change=A.set_password, id=PASSWORD_INPUT,
                         width="100%", auto_complete="new-password",
                         placeholder=rx.cond(A.c_has_password,
                                             S.tr["mail_admin.password_kept"], "")),
                spacing="1", width="100%"),
            **_ROW),
        rx.flex(
            _field("c_imap_folder", "mail_admin.imap_folder", A.c_imap_folder,
                   "mc-imap-folder", "imap_folder"),
            _field("c_imap_processed", "mail_admin.imap_processed", A.c_imap_processed,
                   "mc-imap-processed", "imap_processed_folder"),
            _field("c_imap_quarantine", "mail_admin.imap_quarantine", A.c_imap_quarantine,
                   "mc-imap-quarantine", "imap_quarantine_folder"),
            **_ROW),
        rx.button(S.tr["ticket.save"], on_click=A.save_channel, id="mc-save"),
        spacing="3", width="100%", id="mc-form",
    )


def _addresses() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.heading(S.tr["mail_admin.addresses"], size="4"), rx.spacer(),
                  rx.button(S.tr["admin.new"], size="1", on_click=A.new_channel, id="mc-new"),
                  width="100%"),
        rx.text(S.tr["mail_admin.addresses_help"], size="1", color_scheme="gray"),
        rx.cond(
            A.channel_rows.length() > 0,
            _scroll(rx.table.root(
                _head("mail_admin.address", "admin.name", "mail_admin.queue",
                      "mail_admin.contract", "mail_admin.active", "mail_admin.imap", ""),
                rx.table.body(rx.foreach(A.channel_rows, _channel_row)),
                size="1", width="100%", id="mc-rows")),
            rx.text(S.tr["mail_admin.no_addresses"], size="2", color_scheme="gray",
                    id="mc-none")),
        _channel_form(),
        spacing="3", width="100%",
    ), width="100%")


# --------------------------------------------------------------------------- mail log


def _inbound_row(r: InboundView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(r.received, white_space="nowrap")),
        rx.table.cell(rx.text(r.mail_from, overflow_wrap="anywhere"), min_width="12em"),
        rx.table.cell(r.subject),
        rx.table.cell(rx.text(r.size, white_space="nowrap")),
        rx.table.cell(_status(r.status, r.status_label)),
        rx.table.cell(rx.vstack(
            rx.text(r.reason, size="2", class_name="pm-mail-reason"),
            rx.cond(r.detail != "", rx.text(r.detail, size="1", color_scheme="gray",
                                            word_break="break-word")),
            spacing="0")),
        rx.table.cell(rx.cond(r.ticket_number != "", rx.link(
            r.ticket_number, href=routes.AGENT_TICKETS + r.ticket_number,
            class_name="pm-mail-ticket")), white_space="nowrap"),
        rx.table.cell(rx.vstack(
            rx.el.a(S.tr["mail_admin.download"], href=routes.MAIL_API + r.id + ".eml",
                    download="mail-" + r.id + ".eml", class_name="pm-mail-download"),
            rx.cond(r.quarantined, rx.hstack(
                rx.button(S.tr["mail_admin.retry"], size="1", variant="soft",
                          on_click=A.retry_mail(r.id), id="ml-retry-" + r.id),
                rx.button(S.tr["mail_admin.force"], size="1", variant="soft",
                          color_scheme="orange", on_click=A.force_mail(r.id),
                          id="ml-force-" + r.id),
                spacing="2", wrap="wrap")),
            spacing="1"), white_space="nowrap"),
        class_name="pm-mail-row",
        custom_attrs={"data-id": r.id, "data-status": r.status, "data-subject": r.subject},
    )


def _mail_log() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.heading(S.tr["mail_admin.log"], size="4"), rx.spacer(),
                  rx.button(S.tr["mail_admin.refresh"], size="1", variant="soft",
                            on_click=A.refresh, id="ml-refresh"),
                  width="100%", align="center"),
        rx.box(pick_field(S.tr["mail_admin.status_filter"], A.in_status_opts, A.in_filter,
                          A.set_inbound_filter, "ml-filter", S.tr["mail_admin.all"]),
               max_width="16em"),
        # mail identity: who may vouch for staff mail (docs/mail-identity.md)
        rx.text(S.tr["mail_identity.trusted_relays"], " ",
                rx.cond(A.trusted_relays != "", A.trusted_relays,
                        S.tr["mail_identity.no_trusted_relay"]),
                size="1", color_scheme="gray", id="ml-trusted-relays"),
        rx.cond(
            A.in_rows.length() > 0,
            _scroll(rx.table.root(
                _head("mail_admin.received", "mail_admin.from", "mail_admin.subject",
                      "mail_admin.size", "mail_admin.status", "mail_admin.reason",
                      "mail_admin.ticket", ""),
                rx.table.body(rx.foreach(A.in_rows, _inbound_row)),
                size="1", width="100%", id="ml-rows"), _LONG_LIST),
            rx.text(S.tr["mail_admin.no_mail"], size="2", color_scheme="gray", id="ml-none")),
        spacing="3", width="100%",
    ), width="100%")


# --------------------------------------------------------------------------- outbox


def _outbox_row(r: OutboxView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(r.to_addr, overflow_wrap="anywhere"), min_width="12em"),
        rx.table.cell(r.subject),
        rx.table.cell(r.kind),
        rx.table.cell(_status(r.status, r.status_label)),
        rx.table.cell(r.attempts),
        rx.table.cell(rx.text(r.next_attempt, white_space="nowrap")),
        rx.table.cell(rx.text(r.last_error, size="1", color="var(--red-11)",
                              word_break="break-word")),
        rx.table.cell(rx.cond(
            r.ticket_number != "",
            rx.link(r.ticket_number, href=routes.AGENT_TICKETS + r.ticket_number),
            rx.text(r.ticket_label)), white_space="nowrap"),
        rx.table.cell(rx.cond(r.retryable, rx.button(
            S.tr["mail_admin.retry"], size="1", variant="soft",
            on_click=A.retry_outbound(r.id), id="ob-retry-" + r.id))),
        class_name="pm-outbox-row", custom_attrs={"data-id": r.id, "data-status": r.status},
    )


def _outbox() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(S.tr["mail_admin.outbox"], size="4"),
        rx.box(pick_field(S.tr["mail_admin.status_filter"], A.out_status_opts, A.out_filter,
                          A.set_outbox_filter, "ob-filter", S.tr["mail_admin.all"]),
               max_width="16em"),
        rx.cond(
            A.out_rows.length() > 0,
            _scroll(rx.table.root(
                _head("mail_admin.to", "mail_admin.subject", "mail_admin.kind",
                      "mail_admin.status", "mail_admin.attempts", "mail_admin.next_attempt",
                      "mail_admin.last_error", "mail_admin.ticket", ""),
                rx.table.body(rx.foreach(A.out_rows, _outbox_row)),
                size="1", width="100%", id="ob-rows"), _LONG_LIST),
            rx.text(S.tr["mail_admin.no_outbox"], size="2", color_scheme="gray",
                    id="ob-none")),
        spacing="3", width="100%",
    ), width="100%")


@page(routes.ADMIN_MAIL, title_key="page.admin_mail", roles=routes.ADMINS,
      on_load=A.on_load, max_width="1300px")
def admin_mail_page() -> rx.Component:
    return rx.fragment(
        rx.vstack(
            rx.heading(S.tr["mail_admin.title"], size="5"),
            error_callout(A.error),
            _addresses(),
            _mail_log(),
            _outbox(),
            spacing="4", width="100%",
        )
    )

