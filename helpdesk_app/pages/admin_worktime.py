"""Admin: work time and billing — activity types, contract rates, locking an invoiced
period, and (admins) the billed periods with unlocking."""

from __future__ import annotations

import reflex as rx

from helpdesk_app import routes
from helpdesk_app.components.admin_form import pick_field, text_field
from helpdesk_app.components.layout import error_callout
from helpdesk_app.components.page import page
from helpdesk_app.domain import permissions
from helpdesk_app.state.admin_worktime import ActivityRow, LockRow
from helpdesk_app.state.admin_worktime import AdminWorktimeState as A
from helpdesk_app.state.session import SessionState as S

_ROW = {"gap": "0.75em", "width": "100%", "direction": rx.breakpoints(initial="column",
                                                                      md="row")}


def _err(form: str, field: str):
    """The message for `field` of `form` ("act", "rate", "lock", "unlock") when refused."""
    return rx.cond(A.form_of == form, A.form_errors.get(field, ""), "")


def _check(label, checked, field: str, id: str) -> rx.Component:
    return rx.el.label(rx.checkbox(checked=checked, on_change=A.set_value(field), id=id),
                       rx.text(label, size="2"),
                       style={"display": "flex", "gap": "0.5em", "alignItems": "center"})


def _saved(form: str) -> rx.Component:
    """What the section's last save did, next to its button (a phone has scrolled away
    from the top of the page)."""
    return rx.cond((A.message != "") & (A.message_of == form),
                   rx.callout(A.message, color_scheme="green", size="1",
                              id=f"{form}-message"))


def _empty(text, id: str) -> rx.Component:
    return rx.text(text, size="2", color_scheme="gray", id=id)


# --------------------------------------------------------------------------- activity types


def _activity_row(r: ActivityRow) -> rx.Component:
    return rx.flex(
        rx.vstack(rx.text(r.title, weight="medium", size="2",
                          color=rx.cond(r.active, "inherit", "var(--gray-10)")),
                  rx.text(r.detail, size="1", color_scheme="gray"),
                  spacing="0", min_width="0", flex="1"),
        rx.hstack(
            rx.button(S.tr["admin.edit"], size="1", variant="soft",
                      on_click=A.edit_activity(r.id), id="act-edit-" + r.id),
            rx.cond(r.active,
                    rx.button(S.tr["worktime_admin.deactivate"], size="1", variant="soft",
                              color_scheme="red", on_click=A.set_activity_active(r.id, False),
                              id="act-deactivate-" + r.id),
                    rx.button(S.tr["worktime_admin.reactivate"], size="1", variant="soft",
                              on_click=A.set_activity_active(r.id, True),
                              id="act-reactivate-" + r.id)),
            spacing="1"),
        gap="0.5em", width="100%", padding_y="0.3em", border_bottom="1px solid var(--gray-4)",
        align="center", wrap="wrap", class_name="pm-config-row",
        custom_attrs={"data-title": r.title},
    )


def _activities() -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.heading(S.tr["worktime_admin.activities"], size="4"), rx.spacer(),
                  rx.button(S.tr["admin.new"], size="1", on_click=A.new_activity,
                            id="act-new"), width="100%"),
        rx.text(S.tr["worktime_admin.activities_help"], size="1", color_scheme="gray"),
        rx.cond(A.activities.length() > 0,
                rx.vstack(rx.foreach(A.activities, _activity_row), width="100%",
                          spacing="0", id="act-rows"),
                _empty(S.tr["worktime_admin.no_activities"], "act-empty")),
        rx.heading(rx.cond(A.act_id != "", S.tr["worktime_admin.edit_activity"],
                           S.tr["worktime_admin.new_activity"]), size="3"),
        rx.flex(
            text_field(S.tr["worktime_admin.key"], A.act_key, A.set_value("act_key"),
                       "act-key", error=_err("act", "key"), required=True,
                       disabled=A.act_id != "", placeholder="on_site"),
            text_field(S.tr["admin.name_pl"], A.act_name_pl, A.set_value("act_name_pl"),
                       "act-name-pl", error=_err("act", "name_pl"), required=True),
            text_field(S.tr["admin.name_en"], A.act_name_en, A.set_value("act_name_en"),
                       "act-name-en", error=_err("act", "name_en"), required=True),
            **_ROW),
        rx.flex(
            _check(S.tr["worktime_admin.default_billable"], A.act_billable, "act_billable",
                   "act-billable"),
            _check(S.tr["worktime_admin.default_on_site"], A.act_on_site, "act_on_site",
                   "act-on-site"),
            rx.box(text_field(S.tr["worktime_admin.order"], A.act_order,
                              A.set_value("act_order"), "act-order",
                              error=_err("act", "sort_order"), placeholder="0"),
                   max_width="10em"),
            gap="1em", width="100%", align="end", wrap="wrap"),
        rx.button(S.tr["ticket.save"], on_click=A.save_activity, id="act-save"),
        _saved("act"),
        spacing="3", width="100%",
    ), width="100%")


# --------------------------------------------------------------------------- rates


def _rate_form() -> rx.Component:
    def field(label, name: str, id: str, error_key: str, **kw) -> rx.Component:
        return text_field(label, getattr(A, name), A.set_value(name), id,
                          error=_err("rate", error_key), **kw)

    return rx.vstack(
        rx.cond(A.rate_note != "", rx.text(A.rate_note, size="1", color_scheme="gray",
                                           id="rate-note")),
        rx.flex(
            field(S.tr["worktime_admin.hourly_rate"], "r_rate", "rate-amount", "hourly_rate",
                  required=True, placeholder="180,00", input_mode="decimal"),
            field(S.tr["worktime_admin.currency"], "r_currency", "rate-currency", "currency",
                  placeholder="PLN", max_length=3),
            pick_field(S.tr["worktime_admin.rounding"], A.rounding_opts, A.r_rounding,
                       A.set_value("r_rounding"), "rate-rounding",
                       error=_err("rate", "rounding")),
            field(S.tr["worktime_admin.block"], "r_block", "rate-block", "rounding_minutes",
                  placeholder="15", input_mode="numeric"),
            **_ROW),
        rx.flex(
            field(S.tr["worktime_admin.minimum"], "r_minimum", "rate-minimum",
                  "minimum_visit_minutes", placeholder="60", input_mode="numeric"),
            field(S.tr["worktime_admin.after_hours_pct"], "r_after_hours", "rate-after-hours",
                  "after_hours_pct", placeholder="150", input_mode="numeric"),
            field(S.tr["worktime_admin.weekend_pct"], "r_weekend", "rate-weekend",
                  "weekend_pct", placeholder="200", input_mode="numeric"),
            field(S.tr["worktime_admin.on_site_pct"], "r_on_site", "rate-on-site",
                  "on_site_pct", placeholder="100", input_mode="numeric"),
            **_ROW),
        rx.text(S.tr["worktime_admin.rate_help"], size="1", color_scheme="gray"),
        rx.button(S.tr["ticket.save"], on_click=A.save_rate, id="rate-save",
                  disabled=A.rerating),
        rx.cond(A.rerating, rx.hstack(
            rx.text(S.tr["worktime_admin.rerating"], size="2"),
            rx.progress(value=rx.cond(A.rerate_total > 0,
                                      A.rerate_done * 100 / A.rerate_total, 0),
                        width="10em", id="rerate-progress"),
            rx.text(A.rerate_done, " / ", A.rerate_total, size="1", id="rerate-progress-text"),
            align="center", wrap="wrap")),
        _saved("rate"),
        spacing="3", width="100%", id="rate-form",
    )


def _rates() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(S.tr["worktime_admin.rates"], size="4"),
        rx.cond(A.contract_opts.length() > 0, rx.fragment(
            rx.box(pick_field(S.tr["sla.contract"], A.contract_opts, A.rate_contract,
                              A.choose_contract, "rate-contract", S.tr["admin.choose"]),
                   width="100%", max_width="36em"),
            rx.cond(A.rate_contract != "", _rate_form(),
                    _empty(S.tr["worktime_admin.pick_contract"], "rate-pick"))),
            _empty(S.tr["worktime_admin.no_contracts"], "rate-empty")),
        spacing="3", width="100%",
    ), width="100%")


# --------------------------------------------------------------------------- lock


def _lock_confirm() -> rx.Component:
    return rx.cond(A.lock_confirm, rx.callout(
        rx.vstack(
            rx.text(S.tr["worktime_billing.confirm_lock"], " ", rx.el.b(A.lock_ref), size="2"),
            rx.text(A.lock_preview, size="2"),
            rx.text(S.tr["worktime_billing.confirm_help"], size="1"),
            rx.hstack(
                rx.button(S.tr["worktime_billing.lock"], size="1", color_scheme="orange",
                          on_click=A.confirm_lock, id="lock-yes"),
                rx.button(S.tr["queues_roles.cancel"], size="1", variant="soft",
                          on_click=A.cancel_lock, id="lock-no"),
                spacing="2"),
            spacing="2"),
        color_scheme="orange", size="1", id="lock-confirm", role="alertdialog"))


def _lock() -> rx.Component:
    scope = rx.cond(
        A.lock_kind == "organisation",
        pick_field(S.tr["col.organisation"], A.org_opts, A.lock_org,
                   lambda v: A.set_lock("lock_org", v), "lock-org", S.tr["admin.choose"],
                   error=_err("lock", "scope"), required=True),
        pick_field(S.tr["sla.contract"], A.contract_opts, A.lock_contract,
                   lambda v: A.set_lock("lock_contract", v), "lock-contract",
                   S.tr["admin.choose"], error=_err("lock", "scope"), required=True))
    return rx.card(rx.vstack(
        rx.heading(S.tr["worktime_billing.lock_title"], size="4"),
        rx.text(S.tr["worktime_billing.lock_help"], size="1", color_scheme="gray"),
        rx.cond(A.contract_opts.length() > 0, rx.fragment(
            rx.flex(
                pick_field(S.tr["worktime_billing.scope"], A.kind_opts, A.lock_kind,
                           lambda v: A.set_lock("lock_kind", v), "lock-kind"),
                scope, **_ROW),
            rx.flex(
                text_field(S.tr["worktime_billing.from"], A.lock_from,
                           lambda v: A.set_lock("lock_from", v), "lock-from",
                           placeholder=S.tr["date.placeholder"],
                           error=_err("lock", "day_from"), required=True),
                text_field(S.tr["worktime_billing.to"], A.lock_to,
                           lambda v: A.set_lock("lock_to", v), "lock-to",
                           placeholder=S.tr["date.placeholder"],
                           error=_err("lock", "day_to"), required=True),
                text_field(S.tr["worktime_billing.ref"], A.lock_ref,
                           lambda v: A.set_lock("lock_ref", v), "lock-ref",
                           placeholder="FV 12/2026", error=_err("lock", "ref"),
                           required=True),
                **_ROW),
            rx.cond(A.lock_preview != "", rx.text(A.lock_preview, size="2",
                                                  id="lock-preview")),
            rx.cond(~A.lock_confirm, rx.button(S.tr["worktime_billing.lock"],
                                               on_click=A.ask_lock, id="lock-ask")),
            _lock_confirm(),
            rx.cond(A.lock_message != "", rx.callout(A.lock_message, color_scheme="green",
                                                     size="1", id="lock-message"))),
            _empty(S.tr["worktime_admin.no_contracts"], "lock-empty")),
        spacing="3", width="100%",
    ), width="100%")


# --------------------------------------------------------------------------- billed periods


def _lock_row(r: LockRow) -> rx.Component:
    return rx.flex(
        rx.vstack(rx.text(r.title, weight="medium", size="2"),
                  rx.text(r.detail, size="1", color_scheme="gray"),
                  spacing="0", min_width="0", flex="1"),
        rx.cond(S.user_role == "admin",
                rx.button(S.tr["worktime_billing.unlock"], size="1", variant="soft",
                          color_scheme="red", on_click=A.choose_unlock(r.ref, r.contract_id),
                          class_name="pm-unlock-pick")),
        gap="0.5em", width="100%", padding_y="0.3em", border_bottom="1px solid var(--gray-4)",
        align="center", wrap="wrap", class_name="pm-config-row pm-lock-row",
        custom_attrs={"data-title": r.title},
    )


def _unlock_form() -> rx.Component:
    return rx.vstack(
        rx.heading(S.tr["worktime_billing.unlock_title"], size="3"),
        rx.text(S.tr["worktime_billing.unlock_help"], size="1", color_scheme="gray"),
        rx.flex(
            text_field(S.tr["worktime_billing.ref"], A.unlock_ref, A.set_value("unlock_ref"),
                       "unlock-ref", error=_err("unlock", "unlock_ref"), required=True),
            pick_field(S.tr["sla.contract"], A.contract_opts, A.unlock_contract,
                       A.set_value("unlock_contract"), "unlock-contract",
                       S.tr["worktime_billing.every_contract"],
                       error=_err("unlock", "unlock_contract")),
            **_ROW),
        text_field(S.tr["worktime_billing.reason"], A.unlock_reason,
                   A.set_value("unlock_reason"), "unlock-reason",
                   error=_err("unlock", "reason"), required=True),
        rx.button(S.tr["worktime_billing.unlock"], color_scheme="red", variant="soft",
                  on_click=A.unlock, id="unlock-save"),
        rx.cond(A.unlock_message != "", rx.callout(A.unlock_message, color_scheme="green",
                                                   size="1", id="unlock-message")),
        spacing="3", width="100%", id="unlock-form",
    )


def _billed() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading(S.tr["worktime_billing.billed_title"], size="4"),
        rx.cond(A.locks.length() > 0,
                rx.vstack(rx.foreach(A.locks, _lock_row), width="100%", spacing="0",
                          id="lock-rows"),
                _empty(S.tr["worktime_billing.nothing_billed"], "lock-rows-empty")),
        rx.cond(S.user_role == "admin", _unlock_form()),
        spacing="3", width="100%",
    ), width="100%")


@page(routes.ADMIN_WORKTIME, title_key="page.admin_worktime", roles=routes.STAFF,
      permission=permissions.WORKTIME_BILLING, on_load=A.on_load, max_width="1100px")
def admin_worktime_page() -> rx.Component:
    return rx.vstack(
        rx.heading(S.tr["worktime_admin.title"], size="5"),
        error_callout(A.error),
        _activities(),
        _rates(),
        _lock(),
        _billed(),
        spacing="4", width="100%",
    )
