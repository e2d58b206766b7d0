"""What the browser shows outside the page: the tab title and `<html lang>`, both in the
user's language (`SessionState.ui_lang`), following a language switch without a reload.

Reflex writes `<html lang>` once at build time (`rx.App(html_lang=...)`) and the document
root may not hold state, so a small effect sets `document.documentElement.lang` whenever
the language changes (and on the first render after hydrate). The title is a state-bound
`<title>` that `components/page.py` hands to `app.add_page(title=...)`; React hoists it.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import VarData

from helpdesk_app.state.session import SessionState as S

APP_NAME = "Pomocnik"


def page_title(title_key: str) -> rx.Var | str:
    """`Pomocnik — <page name in the user's language>`; just the app name without a key."""
    if not title_key:
        return APP_NAME
    return rx.Var.create(f"{APP_NAME} — ") + S.tr[title_key].to(str)


class DocumentLang(rx.Fragment):
    """Renders nothing; keeps `<html lang>` equal to the user's language."""

    def add_hooks(self) -> list[str | rx.Var]:
        lang = S.ui_lang
        return [rx.Var(
            f"useEffect(() => {{ document.documentElement.lang = {lang}; }}, [{lang}]);",
            _var_data=VarData.merge(lang._get_all_var_data(),
                                    VarData(imports={"react": ["useEffect"]})),
        )]


def document_meta() -> rx.Component:
    return DocumentLang.create()
