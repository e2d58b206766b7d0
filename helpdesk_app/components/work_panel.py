"""The ticket's work time (staff and subcontractors): totals, the person's timer with a
clock that ticks in the browser (assets/timer.js), the entries and the form to log or
change one. Mounting it loads the route's ticket (WorkState.start); keyed by the route
path like the checklist panel. Entries are rows that wrap, so the panel fits a phone."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.components.admin_form import field_error, field_label, pick_field, text_field
from helpdesk_app.components.layout import SYNCED_TEXT
from helpdesk_app.state.session import SessionState as S
from helpdesk_app.state.work import WorkRow
from helpdesk_app.state.work import WorkState as W


def _figure(label, value, id: str) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", color_scheme="gray"),
                     rx.text(value, size="3", weight="medium", id=id), spacing="0")


def _clock() -> rx.Component:
    # the text is the server's as of the last load; the script keeps a running one ticking
    return rx.el.span(
        W.timer_text, id="timer-clock", class_name="pm-timer-clock",
        custom_attrs={"data-since": rx.cond(W.timer_running, W.timer_since_ms, 0),
                      "data-base": W.timer_base_s},
        style={"fontVariantNumeric": "tabular-nums", "fontSize": "1.25em"})


def _timer() -> rx.Component:
    here = rx.hstack(
        rx.badge(rx.cond(W.timer_running, S.tr["worktime.running_here"],
                         S.tr["worktime.paused_here"]),
                 color_scheme=rx.cond(W.timer_running, "green", "gray"), id="timer-state",
                 custom_attrs={"data-running": W.timer_running}),
        _clock(),
        rx.cond(W.timer_running,
                rx.button(S.tr["worktime.pause"], on_click=W.timer_pause, size="1",
                          variant="soft", id="timer-pause"),
                rx.button(S.tr["worktime.resume"], on_click=W.timer_start, size="1",
                          variant="soft", id="timer-resume")),
        rx.button(S.tr["worktime.stop"], on_click=W.timer_stop, size="1", id="timer-stop"),
        rx.button(S.tr["worktime.discard"], on_click=W.timer_discard, size="1",
                  variant="ghost", color_scheme="gray", id="timer-discard"),
        align="center", spacing="2", wrap="wrap")
    elsewhere = rx.vstack(
        rx.button(S.tr["worktime.start"], on_click=W.timer_start, size="2",
                  id="timer-start"),
        rx.cond(W.timer_elsewhere != "", rx.text(W.timer_elsewhere, size="1",
                                                  color_scheme="amber", id="timer-elsewhere")),
        spacing="1")
    return rx.cond(W.can_log, rx.cond(W.timer_here, here, elsewhere))


def _row(r: WorkRow) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.hstack(rx.text(r.day, size="2", weight="medium"),
                      rx.cond(r.span != "", rx.text(r.span, size="2", color_scheme="gray")),
                      rx.text(r.duration, size="2", weight="bold", class_name="pm-work-dur"),
                      spacing="2", wrap="wrap"),
            rx.text(r.who, rx.cond(r.activity != "", " · " + r.activity, ""),
                    rx.cond(r.flags != "", " · " + r.flags, ""), size="1",
                    color_scheme="gray"),
            rx.cond(r.description != "", rx.text(r.description, size="2")),
            rx.hstack(
                rx.cond(~r.billable, rx.badge(S.tr["worktime.is_billable"] + ": —",
                                              color_scheme="gray", size="1")),
                rx.cond(r.capped, rx.badge(S.tr["worktime.capped"], color_scheme="amber",
                                           size="1", class_name="pm-work-capped")),
                rx.cond(r.locked, rx.badge(S.tr["worktime.locked_mark"], " ", r.lock_ref,
                                           color_scheme="blue", size="1",
                                           class_name="pm-work-locked")),
                spacing="1", wrap="wrap"),
            spacing="0", flex="1", min_width="12em"),
        rx.cond(W.show_money, rx.text(r.amount, size="2", class_name="pm-work-amount")),
        rx.cond(r.can_change, rx.hstack(
            rx.button(S.tr["worktime.edit"], size="1", variant="soft",
                      on_click=W.open_edit(r.id), class_name="pm-work-edit"),
            rx.button(S.tr["worktime.delete"], size="1", variant="ghost", color_scheme="red",
                      on_click=W.ask_delete(r.id), class_name="pm-work-delete"),
            spacing="1")),
        gap="0.5em", wrap="wrap", align="start", width="100%", padding_y="0.4em",
        border_bottom="1px solid var(--gray-4)", class_name="pm-work-row",
        custom_attrs={"data-id": r.id, "data-duration": r.duration})


def _check(label, value, name: str, id: str) -> rx.Component:
    return rx.text(rx.checkbox(checked=value, on_change=W.set_value(name), id=id), " ",
                   label, as_="label", size="2")


def _form() -> rx.Component:
    err = W.form_errors
    return rx.card(rx.vstack(
        rx.flex(
            rx.box(text_field(S.tr["worktime.day"], W.f_day, W.set_value("f_day"), "work-day",
                              error=err.get("day", ""), required=True), width="9em"),
            rx.box(text_field(S.tr["worktime.from"], W.f_start, W.set_value("f_start"),
                              "work-start", error=err.get("start", ""),
                              placeholder="8:00"), width="6em"),
            rx.box(text_field(S.tr["worktime.to"], W.f_end, W.set_value("f_end"), "work-end",
                              error=err.get("end", ""), placeholder="9:30"), width="6em"),
            rx.box(text_field(S.tr["worktime.or_duration"], W.f_duration,
                              W.set_value("f_duration"), "work-duration",
                              error=err.get("duration", ""), placeholder="1:30"), width="9em"),
            gap="0.75em", wrap="wrap", width="100%"),
        pick_field(S.tr["worktime.activity"], W.activity_opts, W.f_activity,
                   W.set_value("f_activity"), "work-activity", S.tr["worktime.no_activity"],
                   error=err.get("activity", "")),
        rx.cond(W.manages & (W.f_id == ""), pick_field(
            S.tr["worktime.worker"], W.worker_opts, W.f_worker, W.set_value("f_worker"),
            "work-worker", S.tr["worktime.no_activity"])),
        rx.vstack(
            field_label(S.tr["worktime.description"], "work-description"),
            rx.text_area(value=W.f_description, on_change=W.set_value("f_description"),
                         id="work-description", width="100%", rows="2", **SYNCED_TEXT),
            field_error(err.get("description", ""), "work-description"),
            spacing="1", width="100%"),
        rx.flex(_check(S.tr["worktime.is_billable"], W.f_billable, "f_billable",
                       "work-billable"),
                _check(S.tr["worktime.on_site"], W.f_on_site, "f_on_site", "work-on-site"),
                _check(S.tr["worktime.after_hours"], W.f_after_hours, "f_after_hours",
                       "work-after-hours"),
                gap="1em", wrap="wrap"),
        rx.hstack(rx.button(S.tr["worktime.save"], on_click=W.save, id="work-save"),
                  rx.button(S.tr["worktime.cancel"], on_click=W.close_form, variant="ghost",
                            id="work-cancel"), spacing="2"),
        spacing="2", width="100%"), width="100%", id="work-form")


def _confirm() -> rx.Component:
    return rx.cond(W.confirm_delete != "", rx.callout.root(rx.callout.text(
        S.tr["worktime.confirm_delete"], " ",
        rx.button(S.tr["worktime.delete"], size="1", color_scheme="red", on_click=W.delete,
                  id="work-delete-yes"),
        " ",
        rx.button(S.tr["worktime.cancel"], size="1", variant="ghost",
                  on_click=W.cancel_delete)), color="red", size="1"))


def work_figures() -> list[rx.Component]:
    """Total and billable time for the ticket header (the panel below loads them)."""
    def field(label, value, id: str) -> rx.Component:  # as the header's other fields
        return rx.cond(W.visible, rx.vstack(
            rx.text(label, size="1", color_scheme="gray"), rx.text(value, size="2", id=id),
            spacing="0", min_width="9em"))
    return [field(S.tr["worktime.total"], W.total, "work-total"),
            field(S.tr["worktime.billable"], W.billable_total, "work-billable-total")]


def work_panel() -> rx.Component:
    return rx.box(
        rx.cond(W.visible, rx.card(rx.vstack(
            rx.flex(
                rx.heading(S.tr["worktime.title"], size="3"),
                rx.spacer(),
                rx.cond(W.show_money, _figure("", W.amount_total, "work-amount-total")),
                gap="1.25em", wrap="wrap", align="end", width="100%"),
            _timer(),
            rx.cond(W.message != "", rx.text(W.message, size="1", color_scheme="green",
                                              id="work-message")),
            rx.cond(W.error != "", rx.callout(W.error, color_scheme="red", size="1",
                                              role="alert", id="work-error")),
            _confirm(),
            rx.cond(W.form_open, _form(),
                    rx.cond(W.can_log, rx.button(S.tr["worktime.add"], on_click=W.open_add,
                                                 size="1", variant="soft", id="work-add"))),
            rx.cond(W.rows.length() > 0,
                    rx.vstack(rx.foreach(W.rows, _row), spacing="0", width="100%",
                              id="work-rows"),
                    rx.text(S.tr["worktime.none"], size="2", color_scheme="gray",
                            id="work-empty")),
            rx.el.span(W.refreshed, id="work-refreshed", hidden=True),
            rx.script(src="/timer.js"),
            spacing="3", width="100%"), width="100%")),
        key=rx.State.router.url.path,
        on_mount=W.start,
        on_unmount=W.stop,
        id="work-panel",
        width="100%",
    )
