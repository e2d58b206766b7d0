"""The ticket's handover to a subcontractor (agent page): to whom it is handed and since
when; coordinators hand it over (subcontractors serving the contract first) or withdraw
it, the subcontractor accepts or returns it. Keyed by the route path, like the checklist
panel, so another ticket remounts it."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.components.layout import SYNCED_TEXT, dropdown, error_callout
from helpdesk_app.state.handover import HandoverPanelState as H
from helpdesk_app.state.session import SessionState as S


def _confirm(question, yes_label, on_yes, id: str) -> rx.Component:
    return rx.callout.root(rx.vstack(
        rx.text(question, size="2"),
        rx.text_area(value=H.r_note, on_change=H.set_value("r_note"), rows="2", width="100%",
                     placeholder=S.tr["handover.reason"], id=id + "-note",
                     **{**SYNCED_TEXT, "force_notify_by_enter": False}),
        rx.hstack(rx.button(yes_label, on_click=on_yes, color_scheme="red", size="2",
                            id=id + "-yes"),
                  rx.button(S.tr["handover.cancel"], on_click=H.cancel_confirm,
                            variant="soft", size="2", id=id + "-no"), wrap="wrap"),
        spacing="2", width="100%"), color="amber", width="100%", id=id)


def _status() -> rx.Component:
    """Handed: to whom, by whom, when, the note; and what this viewer may do about it."""
    return rx.vstack(
        rx.hstack(
            rx.badge(rx.cond(H.h_state == "accepted", S.tr["handover.state.accepted"],
                             S.tr["handover.state.handed"]),
                     color_scheme=rx.cond(H.h_state == "accepted", "green", "cyan"),
                     id="handover-state", custom_attrs={"data-state": H.h_state}),
            rx.text(H.org_name, weight="bold", size="2", id="handover-org"),
            rx.cond(H.person != "", rx.text("(", H.person, ")", size="2",
                                            id="handover-person")),
            wrap="wrap", align="center"),
        rx.text(S.tr["handover.by"], " ", H.by, " · ", H.when, size="1",
                color_scheme="gray"),
        rx.cond(H.note != "", rx.text(H.note, size="2", class_name="pm-body",
                                      id="handover-note")),
        rx.cond(H.can_hand & (H.confirm == ""),
                rx.button(S.tr["handover.withdraw"], on_click=H.ask("withdraw"),
                          variant="soft", color_scheme="red", size="2",
                          id="handover-withdraw")),
        rx.cond(H.confirm == "withdraw", _confirm(
            S.tr["handover.confirm_withdraw"], S.tr["handover.withdraw"], H.withdraw,
            "handover-confirm-withdraw")),
        rx.cond(H.mine & (H.confirm == ""), rx.hstack(
            rx.cond(H.h_state == "handed",
                    rx.button(S.tr["handover.accept"], on_click=H.accept, size="2",
                              id="handover-accept")),
            rx.button(S.tr["handover.return"], on_click=H.ask("return"), variant="soft",
                      size="2", id="handover-return"),
            wrap="wrap")),
        rx.cond(H.confirm == "return", _confirm(
            S.tr["handover.confirm_return"], S.tr["handover.return"], H.give_back,
            "handover-confirm-return")),
        spacing="2", width="100%")


def _form() -> rx.Component:
    """Not handed: a coordinator picks the subcontractor (and maybe a person there)."""
    return rx.cond(
        H.org_opts.length() > 0,
        rx.vstack(
            rx.flex(
                rx.vstack(rx.text(S.tr["handover.organisation"], size="1"),
                          dropdown(H.org_opts, rx.cond(H.h_org == "", "all", H.h_org),
                                   H.pick_org, id="handover-org-pick",
                                   placeholder=S.tr["handover.choose"]),
                          spacing="1", min_width="14em"),
                rx.vstack(rx.text(S.tr["handover.person"], size="1"),
                          dropdown(H.person_opts, rx.cond(H.h_person == "", "all", H.h_person),
                                   H.set_value("h_person"), id="handover-person-pick",
                                   placeholder=S.tr["handover.anyone"]),
                          spacing="1", min_width="12em"),
                gap="0.75em", wrap="wrap", width="100%"),
            rx.text_area(value=H.h_note, on_change=H.set_value("h_note"), rows="2",
                         width="100%", placeholder=S.tr["handover.note"],
                         id="handover-note-input",
                         **{**SYNCED_TEXT, "force_notify_by_enter": False}),
            rx.button(S.tr["handover.hand_over"], on_click=H.hand_over, size="2",
                      id="handover-submit", disabled=H.h_org == ""),
            spacing="2", width="100%"),
        rx.text(S.tr["handover.no_subcontractors"], size="2", color_scheme="gray",
                id="handover-none"),
    )


def handover_panel() -> rx.Component:
    return rx.box(
        rx.cond(
            H.visible,
            rx.card(rx.vstack(
                rx.heading(S.tr["handover.title"], size="3"),
                rx.cond(H.handed, _status(), rx.cond(H.can_hand, _form())),
                error_callout(H.error),
                rx.cond(H.message != "", rx.text(H.message, size="2", color_scheme="green",
                                                 id="handover-message")),
                rx.el.span(H.refreshed, id="handover-refreshed", hidden=True),
                spacing="2", width="100%"), width="100%"),
        ),
        key=rx.State.router.url.path,
        on_mount=H.start,
        on_unmount=H.stop,
        id="handover-panel",
        width="100%",
    )
