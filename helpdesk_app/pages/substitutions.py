"""/settings/substitutions (issue 13): who is away, who stands in, from when to when."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import field_error, pick_field, text_field
from helpdesk_app.components.layout import error_callout
from helpdesk_app.components.page import page
from helpdesk_app.state.session import SessionState as S
from helpdesk_app.state.substitutions import SubstitutionRow
from helpdesk_app.state.substitutions import SubstitutionsState as P


def _row(r: SubstitutionRow) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.hstack(rx.text(r.absent, " → ", r.substitute, weight="medium", size="2"),
                      rx.badge(r.state_label, color_scheme=rx.cond(r.active, "green", "gray"),
                               size="1", class_name="pm-sub-state"),
                      spacing="2", align="center", wrap="wrap"),
            rx.text(r.period, size="1", class_name="pm-sub-period"),
            rx.cond(r.note != "", rx.text(r.note, size="1", color_scheme="gray")),
            rx.cond(r.keeps, rx.text(S.tr["substitutions.keeps_short"], size="1",
                                     color_scheme="gray")),
            spacing="0", min_width="0", flex="1"),
        rx.cond(r.can_change, rx.hstack(
            rx.button(S.tr["substitutions.edit"], size="1", variant="soft",
                      on_click=P.edit_row(r.id), id="sub-edit-" + r.id),
            rx.button(rx.cond(r.active, S.tr["substitutions.end_now"],
                              S.tr["substitutions.cancel"]),
                      size="1", variant="soft", color_scheme="red",
                      on_click=P.cancel_row(r.id), id="sub-cancel-" + r.id),
            spacing="1")),
        gap="0.5em", width="100%", padding_y="0.4em", border_bottom="1px solid var(--gray-4)",
        align="center", wrap="wrap", class_name="pm-sub-row", id="sub-row-" + r.id,
        custom_attrs={"data-state": r.state},
    )


def _form() -> rx.Component:
    err = P.form_errors
    return rx.vstack(
        rx.heading(rx.cond(P.f_id != "", S.tr["substitutions.form_edit_title"],
                           S.tr["substitutions.form_title"]), size="4"),
        rx.cond(P.is_manager,
                pick_field(S.tr["substitutions.absent"], P.absent_opts, P.f_absent,
                           P.set_value("f_absent"), "sub-absent",
                           S.tr["substitutions.choose"], error=err.get("absent", ""),
                           required=True),
                field_error(err.get("absent", ""), "sub-absent")),
        pick_field(S.tr["substitutions.substitute"], P.substitute_opts, P.f_substitute,
                   P.set_value("f_substitute"), "sub-substitute", S.tr["substitutions.choose"],
                   error=err.get("substitute", ""), required=True),
        rx.flex(
            text_field(S.tr["substitutions.starts"], P.f_starts, P.set_value("f_starts"),
                       "sub-starts", error=err.get("starts", ""), required=True,
                       placeholder=P.when_placeholder),
            text_field(S.tr["substitutions.ends"], P.f_ends, P.set_value("f_ends"),
                       "sub-ends", error=err.get("ends", ""), required=True,
                       placeholder=P.when_placeholder),
            gap="1em", width="100%", direction=rx.breakpoints(initial="column", sm="row")),
        rx.text(P.tz_note, size="1", color_scheme="gray"),
        text_field(S.tr["substitutions.note"], P.f_note, P.set_value("f_note"), "sub-note",
                   error=err.get("note", "")),
        rx.el.label(
            rx.hstack(rx.checkbox(checked=P.f_keeps, on_change=P.set_value("f_keeps"),
                                  id="sub-keeps"),
                      rx.text(S.tr["substitutions.keeps"], size="2"),
                      spacing="2", align="center"),
            html_for="sub-keeps"),
        rx.hstack(
            rx.button(rx.cond(P.f_id != "", S.tr["substitutions.save_changes"],
                              S.tr["substitutions.save"]), on_click=P.save, id="sub-save"),
            rx.cond(P.f_id != "", rx.button(S.tr["substitutions.discard"], variant="soft",
                                            on_click=P.discard, id="sub-discard")),
            spacing="2"),
        spacing="3", width="100%",
    )


@page(routes.SETTINGS_SUBSTITUTIONS, title_key="page.substitutions", roles=routes.STAFF,
      on_load=P.on_load, max_width="900px")
def substitutions_page() -> rx.Component:
    return rx.vstack(
        rx.heading(S.tr["substitutions.title"], size="5"),
        rx.text(S.tr["substitutions.help"], size="2", color_scheme="gray"),
        rx.cond(P.status_line != "", rx.callout(P.status_line, icon="calendar-off", size="1",
                                                color_scheme="blue", id="sub-status")),
        rx.cond(P.covering_line != "", rx.callout(P.covering_line, icon="users", size="1",
                                                  color_scheme="green", id="sub-covering")),
        error_callout(P.error),
        rx.cond(P.message != "", rx.callout(P.message, color_scheme="green", size="1",
                                            id="sub-message")),
        rx.card(_form(), width="100%"),
        rx.card(rx.cond(
            P.rows.length() > 0,
            rx.vstack(rx.foreach(P.rows, _row), width="100%", spacing="0", id="sub-rows"),
            rx.text(S.tr["substitutions.empty"], size="2", color_scheme="gray",
                    id="sub-empty")), width="100%"),
        spacing="4", width="100%",
    )

