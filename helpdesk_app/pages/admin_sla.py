"""Admin: SLA configuration — business calendars, contracts, ticket types."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import config_row, field_error, pick_field, text_field
from helpdesk_app.components.layout import SYNCED_TEXT, error_callout
from helpdesk_app.components.page import page
from helpdesk_app.domain import permissions
from helpdesk_app.models import Priority
from helpdesk_app.state.admin_sla import WEEKDAYS
from helpdesk_app.state.admin_sla import AdminSlaState as A
from helpdesk_app.state.session import SessionState as S


def _err(form: str, field: str):
    """The message for `field` of `form` ("cal", "con", "tt"), when that form was refused."""
    return rx.cond(A.form_of == form, A.form_errors.get(field, ""), "")

def _calendars() -> rx.Component:
    day_inputs = [
        rx.hstack(
            rx.text(S.tr["admin.weekdays"].split(",")[d], size="2", min_width="3em"),
            rx.input(value=A.cal_windows[d], on_change=lambda v, d=d: A.set_cal_window(d, v),
                     id=f"cal-w{d}", placeholder="8:00-16:00", width="100%", **SYNCED_TEXT),
            width="100%", align="center",
        )
        for d in range(WEEKDAYS)
    ]
    return rx.card(rx.vstack(
        rx.hstack(rx.heading(S.tr["admin.calendars"], size="4"), rx.spacer(),
                  rx.button(S.tr["admin.new"], size="1", on_click=A.new_calendar,
                            id="cal-new"), width="100%"),
        rx.vstack(rx.foreach(A.calendars, lambda r: config_row(
            r.title, r.detail, A.edit_calendar(r.id), "cal-edit-" + r.id)), width="100%",
            spacing="0"),
        rx.flex(
            text_field(S.tr["admin.name"], A.cal_name, A.set_value("cal_name"),
                       "cal-name", error=_err("cal", "name"), required=True),
            text_field(S.tr["admin.timezone"], A.cal_tz, A.set_value("cal_tz"),
                       "cal-tz", error=_err("cal", "timezone"), required=True),
            text_field(S.tr["admin.holiday_country"], A.cal_country,
                       A.set_value("cal_country"), "cal-country",
                       error=_err("cal", "holiday_country")),
            text_field(S.tr["admin.cutoff"], A.cal_cutoff,
                       A.set_value("cal_cutoff"), "cal-cutoff",
                       placeholder="15:00", error=_err("cal", "cutoff")),
            gap="0.75em", width="100%", direction=rx.breakpoints(initial="column", md="row"),
        ),
        rx.hstack(rx.checkbox(checked=A.cal_always, on_change=A.set_value("cal_always"),
                              id="cal-always"),
                  rx.text("24/7", size="2"), align="center"),
        rx.cond(~A.cal_always, rx.vstack(
            rx.text(S.tr["admin.windows_help"], size="1", color_scheme="gray"),
            *day_inputs, width="100%", spacing="1")),
        field_error(_err("cal", "windows"), "cal-windows"),
        rx.vstack(
            rx.text(S.tr["admin.closed_dates"], size="1", weight="medium"),
            rx.text_area(value=A.cal_closed, on_change=A.set_value("cal_closed"),
                         id="cal-closed", placeholder="2026-12-31 Inwentaryzacja", rows="3",
                         width="100%", **{**SYNCED_TEXT, "force_notify_by_enter": False}),
            field_error(_err("cal", "closed_dates"), "cal-closed"),
            width="100%", spacing="1"),
        rx.button(S.tr["ticket.save"], on_click=A.save_calendar, id="cal-save"),
        spacing="3", width="100%",
    ), width="100%")


def _contracts() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.heading(S.tr["admin.contracts"], size="4"), rx.spacer(),
                  rx.button(S.tr["admin.new"], size="1", on_click=A.new_contract,
                            id="con-new"), width="100%"),
        rx.vstack(rx.foreach(A.contract_rows, lambda r: config_row(
            r.title, r.detail, A.edit_contract(r.id), "con-edit-" + r.id)), width="100%",
            spacing="0"),
        rx.flex(
            pick_field(S.tr["col.organisation"], A.org_opts, A.con_org,
                       A.set_con_org, "con-org", S.tr["admin.choose"],
                       error=_err("con", "organisation"), required=True),
            text_field(S.tr["admin.name"], A.con_name, A.set_value("con_name"),
                       "con-name", error=_err("con", "name"), required=True),
            gap="0.75em", width="100%", direction=rx.breakpoints(initial="column", md="row"),
        ),
        rx.flex(
            text_field(S.tr["admin.valid_from"], A.con_from,
                       A.set_value("con_from"), "con-from",
                       placeholder=S.tr["date.placeholder"],
                       error=_err("con", "valid_from"), required=True),
            text_field(S.tr["admin.valid_to"], A.con_to, A.set_value("con_to"),
                       "con-to", placeholder=S.tr["date.placeholder"],
                       error=_err("con", "valid_to")),
            pick_field(S.tr["sla.calendar"], A.calendar_opts, A.con_calendar,
                       A.set_value("con_calendar"), "con-calendar",
                       S.tr["admin.choose"], error=_err("con", "calendar"), required=True),
            pick_field(S.tr["admin.default_queue"], A.queue_opts, A.con_queue,
                       A.set_value("con_queue"), "con-queue", "—",
                       error=_err("con", "queue")),
            gap="0.75em", width="100%", direction=rx.breakpoints(initial="column", md="row"),
        ),
        rx.flex(
            pick_field(S.tr["admin.escalation"], A.escalation_opts, A.con_escalation,
                       A.set_value("con_escalation"), "con-escalation",
                       error=_err("con", "escalation")),
            pick_field(S.tr["admin.escalation_queue"], A.queue_opts, A.con_escalation_queue,
                       A.set_value("con_escalation_queue"), "con-escalation-queue",
                       "—", error=_err("con", "escalation_queue")),
            rx.hstack(rx.checkbox(checked=A.con_key, on_change=A.set_value("con_key"),
                                  id="con-key"),
                      rx.text(S.tr["sla.key_contract"], size="2"), align="center"),
            gap="0.75em", width="100%", align="end",
            direction=rx.breakpoints(initial="column", md="row"),
        ),
        rx.cond(A.contact_opts.length() > 0, rx.vstack(
            rx.text(S.tr["admin.contacts"], size="1", weight="medium"),
            rx.flex(rx.foreach(A.contact_opts, lambda o: rx.hstack(
                rx.checkbox(checked=A.con_contacts.contains(o.value),
                            on_change=lambda on: A.toggle_contact(o.value, on),
                            custom_attrs={"data-contact": o.label}),
                rx.text(o.label, size="2"), align="center")),
                gap="1em", wrap="wrap"),
            spacing="1", width="100%", id="con-contacts")),
        field_error(_err("con", "contacts"), "con-contacts"),
        rx.button(S.tr["ticket.save"], on_click=A.save_contract, id="con-save"),
        spacing="3", width="100%",
    ), width="100%")


def _types() -> rx.Component:
    prio_rows = [
        rx.hstack(
            rx.text(A.priority_opts[i].label, size="2", min_width="6em"),
            rx.input(value=A.tt_prio_reaction[i], id=f"tt-p{i}-reaction",
                     on_change=lambda v, i=i: A.set_tt_prio("reaction", i, v),
                     placeholder=S.tr["sla.clock.reaction"], **SYNCED_TEXT),
            rx.input(value=A.tt_prio_resolution[i], id=f"tt-p{i}-resolution",
                     on_change=lambda v, i=i: A.set_tt_prio("resolution", i, v),
                     placeholder=S.tr["sla.clock.resolution"], **SYNCED_TEXT),
            align="center",
        )
        for i in range(4)
    ]
    prio_errors = [field_error(_err("tt", f"priority_{p}"), f"tt-p{i}")
                   for i, p in enumerate(Priority.ALL)]
    return rx.card(rx.vstack(
        rx.hstack(rx.heading(S.tr["admin.ticket_types"], size="4"), rx.spacer(),
                  rx.button(S.tr["admin.new"], size="1", on_click=A.new_type, id="tt-new"),
                  width="100%"),
        rx.vstack(rx.foreach(A.type_rows, lambda r: config_row(
            r.title, r.detail, A.edit_type(r.id), "tt-edit-" + r.id)), width="100%",
            spacing="0"),
        pick_field(S.tr["sla.contract"], A.contract_opts, A.tt_contract,
                   A.set_value("tt_contract"), "tt-contract", S.tr["admin.choose"],
                   error=_err("tt", "contract"), required=True),
        rx.flex(
            text_field(S.tr["admin.name_pl"], A.tt_name_pl,
                       A.set_value("tt_name_pl"), "tt-name-pl",
                       error=_err("tt", "name_pl"), required=True),
            text_field(S.tr["admin.name_en"], A.tt_name_en,
                       A.set_value("tt_name_en"), "tt-name-en",
                       error=_err("tt", "name_en"), required=True),
            gap="0.75em", width="100%", direction=rx.breakpoints(initial="column", md="row"),
        ),
        rx.flex(
            text_field(S.tr["admin.reaction_minutes"], A.tt_reaction,
                       A.set_value("tt_reaction"), "tt-reaction",
                       error=_err("tt", "reaction")),
            text_field(S.tr["admin.resolution_minutes"], A.tt_resolution,
                       A.set_value("tt_resolution"), "tt-resolution",
                       error=_err("tt", "resolution")),
            text_field(S.tr["admin.warning_percent"], A.tt_warning,
                       A.set_value("tt_warning"), "tt-warning", error=_err("tt", "warning")),
            gap="0.75em", width="100%", direction=rx.breakpoints(initial="column", md="row"),
        ),
        rx.el.label(rx.checkbox(checked=A.tt_requires_entry,
                                on_change=A.set_value("tt_requires_entry"),
                                id="tt-requires-entry"),
                    rx.text(S.tr["worktime.requires_entry"], size="2"),
                    style={"display": "flex", "gap": "0.5em", "alignItems": "center"}),
        rx.text(S.tr["admin.per_priority"], size="1", color_scheme="gray"),
        rx.cond(A.priority_opts.length() == 4,
                rx.vstack(*[c for pair in zip(prio_rows, prio_errors, strict=True)
                            for c in pair], spacing="1")),
        rx.button(S.tr["ticket.save"], on_click=A.save_type, id="tt-save"),
        spacing="3", width="100%",
    ), width="100%")


@page(routes.ADMIN_SLA, title_key="page.admin_sla", roles=routes.STAFF,
      permission=permissions.CONFIG_SLA,
      on_load=A.on_load, max_width="1000px")
def admin_sla_page() -> rx.Component:
    return rx.fragment(
        rx.vstack(
            rx.heading(S.tr["admin.sla_title"], size="5"),
            error_callout(A.error),
            rx.cond(A.message != "", rx.callout(A.message, color_scheme="green", size="1",
                                                id="admin-message")),
            rx.cond(A.recompute_running, rx.vstack(
                rx.text(S.tr["admin.recomputing"], " ", A.recompute_done, " / ",
                        A.recompute_total, size="2"),
                rx.progress(value=rx.cond(A.recompute_total > 0,
                                          A.recompute_done * 100 / A.recompute_total, 0),
                            id="recompute-progress"),
                width="100%")),
            rx.cond(A.recompute_message != "", rx.text(A.recompute_message, size="2",
                                                        id="recompute-message")),
            _calendars(),
            _contracts(),
            _types(),
            spacing="4", width="100%",
        )
    )
