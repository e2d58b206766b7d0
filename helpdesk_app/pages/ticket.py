from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.avatar import avatar
from helpdesk_app.components.checklist_panel import checklist_panel
from helpdesk_app.components.handover_panel import handover_panel
from helpdesk_app.components.layout import SYNCED_TEXT, dropdown, error_callout
from helpdesk_app.components.page import page
from helpdesk_app.components.sla_badge import sla_badge
from helpdesk_app.components.ticket_fields_panel import ticket_fields_panel
from helpdesk_app.components.timeline_item import timeline_item
from helpdesk_app.components.work_panel import work_figures, work_panel
from helpdesk_app.state.session import SessionState as S
from helpdesk_app.state.ticket import REPLY_UPLOAD_ID
from helpdesk_app.state.ticket import TicketState as T


def _field(label, value, id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.text(value, size="2", id=id),
        spacing="0", min_width="9em",
    )


def _person_field(label, value, id: str, *, nobody=None) -> rx.Component:
    """A person in the header: their avatar (as in the lists) and name; no avatar for
    `nobody` (e.g. "unassigned")."""
    face = avatar(value, size="1.3rem")
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray"),
        rx.hstack(rx.cond(value != nobody, face) if nobody is not None else face,
                  rx.text(value, size="2", id=id), spacing="1", align="center"),
        spacing="0", min_width="9em",
    )


def _header(staff: bool, sub: bool = False) -> rx.Component:
    """`staff`: everything; `sub`: a subcontractor's - the client's fields plus the SLA
    countdown and its clocks (they do the work); else a client's."""
    fields = [
        _field(S.tr["col.status"], T.ticket.status_label, "h-status"),
        _person_field(S.tr["ticket.requester"], T.ticket.requester, "h-requester"),
        _field(S.tr["col.organisation"], T.ticket.organisation, "h-organisation"),
        _field(S.tr["ticket.created"], T.ticket.created, "h-created"),
        _field(S.tr["col.updated"], T.ticket.updated, "h-updated"),
    ]
    if staff:
        fields += [
            _field(S.tr["col.queue"], T.ticket.queue, "h-queue"),
            _person_field(S.tr["col.assignee"], T.ticket.assignee, "h-assignee",
                          nobody=S.tr["ticket.unassigned"]),
            _field(S.tr["col.priority"], T.ticket.priority_label, "h-priority"),
            _field(S.tr["col.channel"], T.ticket.channel_label, "h-channel"),
            _field(S.tr["ticket.email"], T.ticket.requester_email, "h-email"),
        ]
    if staff or sub:  # what the work took, and how long the SLA clock stood still
        fields += [*work_figures(),
                   rx.cond(T.sla_paused != "",
                           _field(S.tr["sla.paused_total"], T.sla_paused, "h-sla-paused"))]
    return rx.vstack(
        rx.hstack(
            rx.badge(T.ticket.number, size="3", id="ticket-number"),
            rx.heading(T.ticket.subject, size="5", id="ticket-subject"),
            rx.box(sla_badge(T.sla_state, T.sla_label, T.sla_due), id="h-sla")
            if staff or sub else rx.fragment(),
            wrap="wrap", align="center",
        ),
        rx.flex(*fields, gap="1em", wrap="wrap"),
        _explain() if staff or sub else rx.fragment(),
        width="100%", spacing="3",
    )


def _explain() -> rx.Component:
    return rx.cond(
        T.sla_lines.length() > 0,
        rx.vstack(
            rx.button(S.tr["sla.explain"], on_click=T.toggle_explain, variant="ghost",
                      size="2", id="sla-explain-toggle"),
            rx.cond(
                T.show_explain,
                rx.box(
                    rx.foreach(T.sla_lines, lambda o: rx.hstack(
                        rx.text(o.label, size="1", color_scheme="gray", min_width="11em"),
                        rx.text(o.value, size="2"), align="baseline")),
                    id="sla-explain", padding="0.5em", border="1px dashed var(--gray-6)",
                    border_radius="6px", width="100%",
                ),
            ),
            spacing="1", width="100%",
        ),
    )


def _edit_form() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(S.tr["ticket.edit"], weight="bold", size="2"),
            rx.flex(
                rx.vstack(rx.text(S.tr["col.status"], size="1"),
                          dropdown(T.status_opts, T.f_status, T.set_value("f_status"),
                                        id="e-status")),
                rx.vstack(rx.text(S.tr["col.priority"], size="1"),
                          dropdown(T.priority_opts, T.f_priority, T.set_value("f_priority"),
                                        id="e-priority")),
                rx.vstack(rx.text(S.tr["col.queue"], size="1"),
                          dropdown(T.queue_opts, T.f_queue, T.set_value("f_queue"), id="e-queue")),
                rx.vstack(rx.text(S.tr["col.assignee"], size="1"),
                          dropdown(T.agent_opts, T.f_assignee, T.set_value("f_assignee"),
                                        id="e-assignee")),
                rx.vstack(rx.text(S.tr["ticket.contract"], size="1"),
                          dropdown(T.contract_opts, T.f_contract, T.set_f_contract,
                                   id="e-contract")),
                rx.vstack(rx.text(S.tr["ticket.type"], size="1"),
                          dropdown(T.type_opts, T.f_type, T.set_value("f_type"), id="e-type")),
                gap="0.75em", wrap="wrap",
            ),
            rx.cond(
                T.conflict != "",
                rx.callout(T.conflict, icon="triangle_alert", color_scheme="orange",
                           id="conflict-message", role="alert", size="1"),
            ),
            rx.hstack(
                rx.button(S.tr["ticket.save"], on_click=T.save_header, id="save-header",
                          disabled=~T.edit_dirty),
                rx.button(S.tr["ticket.discard"], on_click=T.discard_edits, variant="soft",
                          id="discard-header", disabled=~T.edit_dirty),
                rx.text(T.edit_message, size="2", id="edit-message"),
                align="center",
            ),
            spacing="3",
        ),
        width="100%",
    )


def _client_status_buttons() -> rx.Component:
    return rx.cond(
        T.client_status_opts.length() > 0,
        rx.hstack(
            rx.foreach(T.client_status_opts, lambda o: rx.button(
                o.label, on_click=T.set_status_client(o.value), variant="outline",
                custom_attrs={"data-status": o.value}, class_name="pm-client-status")),
            wrap="wrap",
        ),
    )


# Scroll the reply box into view and put the cursor in it (the page's only script).
_JUMP_TO_REPLY = ("(() => { const box = document.getElementById('reply-text');"
                  " if (box) { box.scrollIntoView({block: 'center'}); box.focus(); } })()")


def _jump_to_reply() -> rx.Component:
    return rx.button(rx.icon("reply", size=16), S.tr["ticket.jump_reply"], variant="soft",
                     size="2", id="jump-reply", on_click=rx.call_script(_JUMP_TO_REPLY))


def _closed_note() -> rx.Component:
    """A client on a closed ticket reads what their reply will do before sending it."""
    return rx.cond(
        T.closed_note != "",
        rx.callout(T.closed_note, icon="info", size="1", id="closed-note", width="100%",
                   color_scheme=rx.cond(T.reply_outcome == "reopen", "blue", "amber"),
                   custom_attrs={"data-outcome": T.reply_outcome}),
    )


def _send_label() -> rx.Var:
    return rx.cond(
        T.reply_outcome == "follow_up", S.tr["reply.send_follow_up"],
        rx.cond(T.reply_outcome == "reopen", S.tr["reply.send_reopen"],
                rx.cond(T.reply_public | ~S.is_agent, S.tr["reply.send"],
                        S.tr["reply.send_note"])))


def _share_box() -> rx.Component:
    """Staff, a note on a handed ticket: also for the subcontractor's eyes?"""
    return rx.cond(
        ~T.reply_public & (T.handed_to != ""),
        rx.hstack(
            rx.checkbox(checked=T.reply_share, on_change=T.set_value("reply_share"),
                        id="reply-share"),
            rx.text(S.tr["reply.share_with"], " ", T.handed_to, size="2"),
            align="center"),
    )


def _reply_box(staff: bool, sub: bool = False) -> rx.Component:
    """`staff`: reply or internal note (and sharing it); `sub`: a subcontractor, reply or a
    note (their notes are shared with their organisation); else a client's reply."""
    kind = []
    if staff or sub:
        kind = [rx.radio_group.root(
            rx.hstack(
                rx.radio_group.item(value="public", id="reply-public"),
                rx.text(S.tr["reply.public"], size="2"),
                rx.radio_group.item(value="note", id="reply-note"),
                rx.text(S.tr["reply.note"], size="2"),
                align="center",
            ),
            value=rx.cond(T.reply_public, "public", "note"),
            on_change=lambda v: T.set_value("reply_public", v == "public"),
        )]
    if staff:
        kind.append(_share_box())
    return rx.card(
        rx.vstack(
            *kind,
            rx.fragment() if staff or sub else _closed_note(),
            rx.text_area(value=T.reply_text, on_change=T.set_value("reply_text"), id="reply-text",
                         placeholder=S.tr["reply.placeholder"], rows="4", width="100%",
                         **{**SYNCED_TEXT, "force_notify_by_enter": False}),
            rx.upload.root(
                rx.hstack(
                    rx.button(S.tr["reply.attach"], variant="soft", type="button", size="1"),
                    rx.text(rx.selected_files(REPLY_UPLOAD_ID).join(", "), size="1",
                            id="reply-selected"),
                    align="center",
                ),
                id=REPLY_UPLOAD_ID, multiple=True, no_drag=False,
            ),
            error_callout(T.reply_error),
            rx.button(
                _send_label(),
                id="reply-send",
                on_click=T.send_reply(rx.upload_files(upload_id=REPLY_UPLOAD_ID)),
            ),
            spacing="2", width="100%",
        ),
        width="100%", id="reply-box", class_name="pm-reply-anchor",
    )


def _timeline(staff: bool, sub: bool = False) -> rx.Component:
    """The timeline in the reader's order, with the reply box at its newest end (so on a
    long ticket read newest-first it is at the top) and a jump to it from the header."""
    return rx.fragment(
        rx.hstack(
            rx.heading(S.tr["ticket.timeline"], size="3"),
            rx.spacer(),
            rx.hstack(
                rx.switch(checked=T.timeline_order == "newest", on_change=T.set_newest_first,
                          id="newest-first"),
                rx.text(S.tr["ticket.newest_first"], size="2"),
                align="center",
            ),
            width="100%", align="center", wrap="wrap",
        ),
        rx.cond(T.timeline_order == "newest", _reply_box(staff, sub)),
        rx.vstack(rx.foreach(T.events, timeline_item), width="100%", spacing="2",
                  id="timeline", custom_attrs={"data-order": T.timeline_order}),
        rx.cond(T.timeline_order != "newest", _reply_box(staff, sub)),
    )


def _ticket(staff: bool, sub: bool = False) -> rx.Component:
    """`staff`: the agent page; `sub`: the agent page as a subcontractor gets it (the
    client's header, the handover, allowed statuses, checklist, reply or note)."""
    back = routes.start_page(staff or sub)
    return rx.cond(
        T.not_found != "",
        rx.vstack(
            rx.callout(T.not_found, icon="circle_alert", color_scheme="red", id="not-found",
                       role="alert"),
            rx.link(S.tr["ticket.back"], href=back),
        ),
        rx.cond(
            T.loaded,
            rx.vstack(
                rx.hstack(rx.link("← ", S.tr["ticket.back"], href=back, size="2"), rx.spacer(),
                          _jump_to_reply(), width="100%", align="center"),
                _header(staff, sub),
                handover_panel() if staff or sub else rx.fragment(),
                _edit_form() if staff else _client_status_buttons(),
                ticket_fields_panel(),
                checklist_panel() if staff or sub else rx.fragment(),
                work_panel() if staff or sub else rx.fragment(),
                _timeline(staff, sub),
                rx.el.span(T.refreshed, id="live-refreshed", hidden=True),
                width="100%", spacing="4",
            ),
            rx.center(rx.spinner()),
        ),
    )


# Anyone signed in: TicketState.on_load sends staff and subcontractors to the agent side
# of the URL and clients to theirs, and the access policy decides whether the ticket
# exists for them.
@page(routes.AGENT_TICKET, title_key="page.ticket", roles=routes.ANYONE, on_load=T.on_load,
      max_width="1000px")
def agent_ticket_page() -> rx.Component:
    return rx.cond(S.is_subcontractor, _ticket(False, sub=True), _ticket(True))


@page(routes.PORTAL_TICKET, title_key="page.ticket", roles=routes.ANYONE, on_load=T.on_load,
      max_width="720px")
def client_ticket_page() -> rx.Component:
    return _ticket(False)
