"""Keyboard shortcuts for staff: the script (assets/shortcuts.js) and the "?" dialog.

Everything runs in the browser: a key never makes a round trip to the server. The script
acts only where this dialog is on the page, so the shell includes it for staff only. The
dialog is a native <dialog> (opened by the script with showModal; Escape closes it)."""

from __future__ import annotations

import reflex as rx

from helpdesk_app.state.session import SessionState as S

DIALOG_ID = "pm-shortcuts"

# (keys, catalog key of what they do) in the order the dialog lists them
SHORTCUTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("/",), "shortcuts.search"),
    (("j", "↓"), "shortcuts.next"),
    (("k", "↑"), "shortcuts.previous"),
    (("Enter",), "shortcuts.open"),
    (("n",), "shortcuts.new"),
    (("r",), "shortcuts.reply"),
    (("?",), "shortcuts.help"),
    (("Esc",), "shortcuts.close_help"),
)

_CLOSE = f"document.getElementById('{DIALOG_ID}').close()"
_OPEN = f"document.getElementById('{DIALOG_ID}').showModal()"


def _line(keys: tuple[str, ...], what: str) -> rx.Component:
    sep = [" / "] * (len(keys) - 1) + [""]
    return rx.el.tr(
        rx.el.td(*[rx.fragment(rx.el.kbd(k, class_name="pm-kbd"), s)
                   for k, s in zip(keys, sep, strict=True)]),
        rx.el.td(S.tr[what]),
    )


def shortcuts() -> rx.Component:
    return rx.fragment(
        rx.script(src="/shortcuts.js"),
        rx.el.dialog(
            rx.heading(S.tr["shortcuts.title"], size="4", id="pm-shortcuts-title"),
            rx.el.table(rx.el.tbody(*[_line(k, w) for k, w in SHORTCUTS]),
                        class_name="pm-shortcuts-table"),
            rx.text(S.tr["shortcuts.typing_note"], size="1", color_scheme="gray"),
            rx.button(S.tr["shortcuts.close"], size="1", variant="soft",
                      id="pm-shortcuts-close", on_click=rx.call_script(_CLOSE)),
            id=DIALOG_ID, class_name="pm-shortcuts",
            custom_attrs={"aria-labelledby": "pm-shortcuts-title"},
        ),
    )


def hint_button() -> rx.Component:
    """The top bar's keyboard icon: mouse users learn that "?" lists the shortcuts. Wide
    screens only (a phone has no keyboard to press them on: CSS hides it there)."""
    label = S.tr["shortcuts.hint"]
    return rx.el.button(rx.icon("keyboard", size=20), id="nav-shortcuts", type="button",
                        class_name="pm-icon-button pm-wide-only", title=label,
                        aria_label=label, on_click=rx.call_script(_OPEN))
