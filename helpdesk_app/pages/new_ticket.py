from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.field_inputs import field_inputs
from helpdesk_app.components.layout import SYNCED_TEXT, dropdown, error_callout
from helpdesk_app.components.page import page
from helpdesk_app.state.new_ticket import NEW_UPLOAD_ID
from helpdesk_app.state.new_ticket import NewTicketState as N
from helpdesk_app.state.session import SessionState as S


def _labelled(label, control: rx.Component, *, field: str = "",
              required: bool = False) -> rx.Component:
    """A label (with a mark when required), the control, and the field's own error."""
    title = rx.text(label, rx.cond(required, rx.el.span(" *", class_name="pm-required",
                                                        aria_hidden="true"), ""),
                    size="2", weight="medium")
    error = N.form_errors.get(field, "") if field else ""
    return rx.vstack(
        title, control,
        *([rx.cond(error != "", rx.text(error, size="1", color_scheme="red",
                                        class_name="pm-field-error",
                                        id=f"n-{field}-error"))] if field else []),
        spacing="1", width="100%")


def _field_error(key: str) -> rx.Component:
    message = N.nc_errors.get(key, "")
    return rx.cond(message != "", rx.text(message, size="1", color_scheme="red",
                                          class_name="pm-field-error"))


def _new_contact() -> rx.Component:
    """Create the person and choose them, without leaving the form."""
    return rx.card(
        rx.vstack(
            rx.text(S.tr["new.new_contact"], size="2", weight="bold"),
            rx.input(value=N.nc_name, on_change=N.set_value("nc_name"), id="nc-name",
                     placeholder=S.tr["new.contact_name"], width="100%", **SYNCED_TEXT),
            _field_error("name"),
            rx.input(value=N.nc_email, on_change=N.set_value("nc_email"), id="nc-email",
                     type="email", placeholder=S.tr["new.contact_email"], width="100%",
                     **SYNCED_TEXT),
            _field_error("email"),
            dropdown(N.org_opts, rx.cond(N.nc_org == "", "all", N.nc_org),
                     N.set_value("nc_org"), id="nc-org", placeholder=S.tr["new.contact_org"]),
            _field_error("organisation"),
            rx.button(S.tr["new.contact_create"], on_click=N.create_contact, id="nc-create",
                      size="2", type="button"),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def _requester_picker() -> rx.Component:
    """Type to find (name, e-mail, organisation); the list holds the matches only, so it
    stays fast with 100,000 clients."""
    return rx.vstack(
        rx.hstack(
            rx.input(value=N.requester_search, on_change=N.search_requesters,
                     id="n-requester-search", placeholder=S.tr["new.search_requester"],
                     type="search", width="100%", debounce_timeout=250),
            rx.button(S.tr["new.new_contact"], on_click=N.toggle_new_contact,
                      id="n-new-contact", variant="soft", type="button",
                      white_space="nowrap"),
            width="100%",
        ),
        dropdown(N.requester_opts, rx.cond(N.requester == "", "all", N.requester),
                 N.set_requester, id="n-requester", placeholder=S.tr["new.pick_requester"]),
        rx.cond((N.requester_search != "") & (N.requester_opts.length() == 0),
                rx.text(S.tr["new.no_match"], size="1", color_scheme="gray",
                        id="n-requester-none")),
        rx.cond(N.show_new_contact, _new_contact()),
        spacing="2", width="100%",
    )


def _form(staff: bool) -> rx.Component:
    agent_fields = []
    if staff:
        agent_fields = [
            _labelled(S.tr["ticket.requester"], _requester_picker(), field="requester",
                      required=True),
            rx.flex(
                _labelled(S.tr["col.channel"],
                          dropdown(N.channel_opts, N.channel, N.set_value("channel"),
                                        id="n-channel")),
                _labelled(S.tr["col.queue"],
                          dropdown(N.queue_opts, N.queue, N.set_value("queue"), id="n-queue")),
                _labelled(S.tr["col.priority"],
                          dropdown(N.priority_opts, N.priority, N.set_value("priority"),
                                        id="n-priority")),
                gap="0.75em", width="100%", direction=rx.breakpoints(initial="column",
                                                                      sm="row"),
            ),
            rx.cond(N.contract_opts.length() > 0, rx.flex(
                _labelled(S.tr["ticket.contract"],
                          dropdown(N.contract_opts, rx.cond(N.contract == "", "all", N.contract),
                                   N.set_contract, id="n-contract",
                                   placeholder=S.tr["admin.choose"])),
                _labelled(S.tr["ticket.type"],
                          dropdown(N.type_opts, rx.cond(N.ticket_type == "", "all",
                                                        N.ticket_type),
                                   N.set_ticket_type, id="n-type", placeholder="—")),
                gap="0.75em", width="100%", direction=rx.breakpoints(initial="column",
                                                                      sm="row"),
            )),
        ]
    return rx.vstack(
        rx.heading(S.tr["new.title"], size="5"),
        *agent_fields,
        _labelled(S.tr["new.subject"],
                  rx.input(value=N.subject, on_change=N.set_value("subject"), id="n-subject",
                           max_length=250, width="100%", required=True, **SYNCED_TEXT),
                  field="subject", required=True),
        _labelled(S.tr["new.body"],
                  rx.text_area(value=N.body, on_change=N.set_value("body"), id="n-body", rows="6",
                               width="100%", **{**SYNCED_TEXT, "force_notify_by_enter": False}),
                  field="body"),
        # the custom fields of the chosen contract and type, re-evaluated on every change
        rx.cond(N.field_rows.length() > 0,
                field_inputs(N.field_rows, N.set_field, N.toggle_field_option, prefix="nf")),
        rx.upload.root(
            rx.hstack(
                rx.button(S.tr["reply.attach"], variant="soft", type="button", size="1"),
                rx.text(rx.selected_files(NEW_UPLOAD_ID).join(", "), size="1"),
                align="center",
            ),
            id=NEW_UPLOAD_ID, multiple=True,
        ),
        error_callout(N.error),
        rx.button(S.tr["new.submit"], id="n-submit",
                  on_click=N.submit(rx.upload_files(upload_id=NEW_UPLOAD_ID)),
                  width=rx.breakpoints(initial="100%", sm="auto")),
        spacing="3", width="100%",
    )


@page(routes.AGENT_NEW, title_key="page.new_ticket", roles=routes.STAFF, on_load=N.on_load,
      max_width="800px")
def agent_new_ticket_page() -> rx.Component:
    return _form(True)


@page(routes.PORTAL_NEW, title_key="page.new_ticket", roles=routes.CLIENTS, on_load=N.on_load,
      max_width="640px")
def client_new_ticket_page() -> rx.Component:
    return _form(False)
