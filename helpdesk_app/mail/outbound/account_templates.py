"""Account mails (invitation, password reset), in Polish and English.

Kept apart from templates.py, whose kinds are ticket mails (a `[#number]` token in every
subject, a "keep the token" footer); these carry no ticket, only a one-time link. The look
(inline styles, button) is the same. Every context value is escaped in the HTML part and
only an http(s) link becomes a button.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from helpdesk_app.mail.outbound.templates import (
    _BUTTON,
    _FONT,
    _P,
    _SAFE_URL,
    _SMALL,
    Rendered,
)

ACCOUNT_KINDS = ("invitation", "password_reset")
_LANGUAGES = ("pl", "en")

# kind -> language -> (subject, paragraphs, button label, after-the-button notes)
_TEMPLATES: dict[str, dict[str, tuple[str, tuple[str, ...], str, tuple[str, ...]]]] = {
    "invitation": {
        "pl": ("Zaproszenie do systemu obsługi zgłoszeń {provider}",
               ("{inviter} zaprasza Cię do systemu obsługi zgłoszeń {provider}.",
                "Aby aktywować konto {email}, ustaw hasło, korzystając z poniższego "
                "przycisku."),
               "Ustaw hasło",
               ("Link jest ważny do {expires} i można go użyć tylko raz.",
                "Jeśli nie spodziewasz się tego zaproszenia, zignoruj tę wiadomość.")),
        "en": ("Invitation to the {provider} helpdesk",
               ("{inviter} invites you to the {provider} helpdesk.",
                "To activate the account {email}, set your password with the button below."),
               "Set your password",
               ("The link is valid until {expires} and works once.",
                "If you did not expect this invitation, you can ignore this e-mail.")),
    },
    "password_reset": {
        "pl": ("Ustawienie nowego hasła w systemie {provider}",
               ("Otrzymaliśmy prośbę o ustawienie nowego hasła do konta {email}.",
                "Nowe hasło ustawisz, korzystając z poniższego przycisku."),
               "Ustaw nowe hasło",
               ("Link jest ważny do {expires} i można go użyć tylko raz.",
                "Jeśli to nie Ty prosiłeś(-aś) o zmianę, zignoruj tę wiadomość – "
                "dotychczasowe hasło pozostaje bez zmian.")),
        "en": ("Set a new password for {provider}",
               ("We received a request to set a new password for the account {email}.",
                "Use the button below to choose a new password."),
               "Set a new password",
               ("The link is valid until {expires} and works once.",
                "If you did not ask for this, ignore this e-mail: your current password "
                "stays as it is.")),
    },
}
_GREETING = {"pl": "Dzień dobry,", "en": "Hello {name},"}
_FOOTER = {"pl": "Wiadomość z systemu obsługi zgłoszeń Pomocnik.",
           "en": "Sent by the Pomocnik helpdesk."}


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return ""


def render(kind: str, language: str, context: Mapping[str, Any]) -> Rendered:
    """Render `kind` ("invitation" / "password_reset"); context: name, email, provider,
    inviter, expires (already formatted for the reader), link_url. Unknown language:
    Polish. Raises ValueError for an unknown kind."""
    if kind not in _TEMPLATES:
        raise ValueError(f"unknown account mail {kind!r}")
    lang = (language or "").lower()[:2]
    lang = lang if lang in _LANGUAGES else "pl"
    subject_t, paragraphs, label, notes = _TEMPLATES[kind][lang]
    values = _Values({k: " ".join(str(v).split()) if v is not None else ""
                      for k, v in context.items()})
    escaped = _Values({k: html.escape(v, quote=True) for k, v in values.items()})
    greeting = _GREETING[lang] if values["name"] or lang == "pl" else "Hello,"
    url = values["link_url"] if _SAFE_URL.match(values["link_url"]) else ""

    text_parts = [greeting.format_map(values), *(p.format_map(values) for p in paragraphs)]
    html_parts = [f'<p style="{_P}">{p.format_map(escaped)}</p>'
                  for p in (greeting, *paragraphs)]
    if url:
        text_parts.append(f"{label}: {url}")
        html_parts.append(f'<p style="margin:20px 0;"><a href="{html.escape(url, quote=True)}" '
                          f'style="{_BUTTON}">{html.escape(label)}</a></p>')
    text_parts += [n.format_map(values) for n in notes]
    html_parts += [f'<p style="{_P}">{n.format_map(escaped)}</p>' for n in notes]

    subject = " ".join(subject_t.format_map(values).split())
    text = "\n\n".join(text_parts) + "\n\n-- \n" + _FOOTER[lang] + "\n"
    page = (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(subject)}</title>\n</head>\n"
        '<body style="margin:0;padding:0;background:#f4f5f7;">\n'
        f'<div style="max-width:600px;margin:0 auto;padding:16px;{_FONT}">\n'
        '<div style="background:#ffffff;border-radius:8px;padding:20px;">\n'
        + "\n".join(html_parts)
        + f'\n</div>\n<p style="{_SMALL}">{html.escape(_FOOTER[lang])}</p>\n</div>\n'
        "</body>\n</html>\n"
    )
    return Rendered(subject=subject, text=text, html=page)
