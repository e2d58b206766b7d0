"""A person as a small coloured circle with their initials, next to (or instead of) the name.

The colour is picked from the name, so one person always has the same colour in every list;
both the initials and the colour are worked out in the browser from the name the page
already holds (no extra state).
"""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import Var

# Radix colour scales that read well as a soft circle with dark text, light or dark theme.
PALETTE = ("tomato", "grass", "blue", "amber", "violet", "cyan", "pink", "teal", "orange",
           "indigo", "jade", "plum", "brown", "crimson", "sky", "iris")


def _js(expr: str, name: Var) -> Var:
    return Var(_js_expr=expr, _var_type=str, _var_data=name._get_all_var_data())


def initials(name: Var) -> Var:
    """'Anna Nowak' -> 'AN'; 'anna' -> 'A'; '' -> ''."""
    return _js(f"(String({name} ?? '').trim().split(/\\s+/).filter(Boolean).slice(0, 2)"
               f".map((w) => Array.from(w)[0]).join('').toUpperCase())", name)


def _scale(name: Var) -> str:
    palette = "[" + ",".join(f'"{c}"' for c in PALETTE) + "]"
    return (f"{palette}[Array.from(String({name} ?? '')).reduce("
            f"(h, c) => (h * 31 + c.codePointAt(0)) >>> 0, 7) % {len(PALETTE)}]")


def avatar(name, *, size: str = "1.6rem") -> rx.Component:
    """The circle alone (the name, if shown, is the caller's: the circle has it as title)."""
    name = Var.create(name)
    scale = _scale(name)
    return rx.el.span(
        initials(name),
        class_name="pm-avatar", title=name, aria_hidden="true",
        style={"width": size, "height": size, "font_size": f"calc({size} * 0.42)",
               "background": _js(f"`var(--${{{scale}}}-5)`", name),
               "color": _js(f"`var(--${{{scale}}}-12)`", name)},
    )


def person(name, *, empty: str | Var = "—") -> rx.Component:
    """Avatar and name; `empty` (e.g. "unassigned") when there is nobody."""
    name = Var.create(name)
    return rx.cond(
        name != "",
        rx.el.span(avatar(name), rx.el.span(name, class_name="pm-person-name"),
                   class_name="pm-person", title=name),
        rx.el.span(empty, class_name="pm-person pm-nobody"),
    )
