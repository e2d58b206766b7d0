"""Which readable parts make the message text.

A message's text is its readable parts in order: text/plain as it is, text/html as text.
Inside multipart/alternative only one rendering counts: the plain one - unless it is a
stub ("open this newsletter in your browser", or tiny next to the HTML's text), which
must not hide the real content; then the HTML one."""

from __future__ import annotations

import re

from helpdesk_app.mail.inbound.parse.html_text import html_to_text

Piece = tuple[str, str]  # ("plain" | "html", decoded text of one part)

# "View it online / in your browser" lines of newsletters and mass mailers (en, pl)
_VIEW_ONLINE = re.compile(
    r"\b(?:view|read|open|see)\b.{0,60}\b(?:online|in (?:your|a|the) (?:web )?browser)\b|"
    r"\bweb version\b|does(?:n't| not) (?:display|show) (?:correctly|properly)|"
    r"does not support html|przegl[aą]dar|wersj[aięą] (?:online|www|internetow)|"
    r"nie wy[sś]wietla si[eę] (?:poprawnie|prawid[lł]owo)|wy[sś]wietl online",
    re.IGNORECASE | re.DOTALL)
_STUB_RATIO = 5  # a text twin under 1/5 of the HTML's text is a stub...
_STUB_MIN_HTML = 200  # ...when the HTML has something to say
_STUB_MAX_VIEW_ONLINE = 400  # a "view online" text longer than this is real content


def piece_text(piece: Piece) -> str:
    kind, text = piece
    return html_to_text(text) if kind == "html" else text.strip("\n")


def joined(pieces: list[Piece]) -> str:
    """The readable parts in order, as one text."""
    texts = (piece_text(p) for p in pieces if p[1].strip())
    return "\n\n".join(t for t in texts if t.strip())


def _is_stub(plain: str, rich: list[Piece]) -> bool:
    if len(plain) < _STUB_MAX_VIEW_ONLINE and _VIEW_ONLINE.search(plain):
        return True
    raw_html = sum(len(t) for k, t in rich if k == "html")
    if len(plain) * _STUB_RATIO >= raw_html:  # cheap: HTML text is never longer than HTML
        return False
    html_text = joined(rich)
    return len(html_text) >= _STUB_MIN_HTML and len(plain) * _STUB_RATIO < len(html_text)


def choose_alternative(renderings: list[list[Piece]]) -> list[Piece]:
    """The pieces of the one alternative rendering that is shown."""
    renderings = [r for r in renderings if any(t.strip() for _k, t in r)]
    if not renderings:
        return []
    plain = next((r for r in renderings if all(k == "plain" for k, _t in r)), None)
    rich = next((r for r in reversed(renderings) if any(k == "html" for k, _t in r)), None)
    if plain is None or rich is None:
        return plain or rich or renderings[-1]
    return rich if _is_stub(joined(plain).strip(), rich) else plain
