"""Mail HTML: sanitized for showing (nh3) and turned into readable plain text."""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import nh3

from helpdesk_app.mail.inbound.parse.base import clean_body

_HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "code", "col", "colgroup",
    "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul",
}
_HTML_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign"},
    "ol": {"start"},
}
# Removed together with their content: code, styling, documents in documents, forms.
_HTML_DROPPED = {
    "script", "style", "head", "title", "template", "noscript", "iframe", "frame",
    "frameset", "object", "embed", "applet", "svg", "math", "xml", "textarea", "select",
    "button",
}


def _html_attribute(tag: str, attr: str, value: str) -> str | None:
    # remote images over http track the reader and mix content: only cid: and https:
    if tag == "img" and attr == "src":
        return value if value.strip().lower().startswith(("cid:", "https:")) else None
    return value


def sanitize_html(html: str) -> str:
    """Mail HTML made safe to show: basic formatting, links (http/https/mailto/tel) and
    images (cid:/https: only); no scripts, styles, event handlers or forms."""
    return nh3.clean(
        html, tags=_HTML_TAGS, clean_content_tags=_HTML_DROPPED, attributes=_HTML_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "cid"}, url_relative="deny",
        attribute_filter=_html_attribute, strip_comments=True,
        link_rel="noopener noreferrer nofollow")


class _TextExtractor(HTMLParser):
    """HTML to readable plain text; blockquotes become "> " quotes, so split_reply
    finds the history in HTML-only replies too."""

    PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "dl", "figure",
                           "address", "center"})
    BLOCK = frozenset({"div", "section", "article", "header", "footer", "main", "nav",
                       "aside", "tr", "dt", "dd", "hr", "caption", "form", "fieldset",
                       "figcaption", "details", "summary", "tbody", "thead", "tfoot"})
    # not content: code, styling, embedded documents, form controls (void elements like
    # <embed> cannot be here: without an end tag they would hide the rest)
    SKIP = frozenset({"script", "style", "head", "title", "template", "xml", "noscript",
                      "iframe", "object", "applet", "svg", "math", "textarea", "select",
                      "button", "frameset"})
    LINK_SCHEMES = ("http", "https", "ftp", "mailto", "tel")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []  # (quote depth, text)
        self.cur: list[str] = []
        self.prefix = ""  # list marker of the current line
        self.depth = 0  # quote depth of the current line
        self.quote = 0
        self.skip = 0
        self.pre = 0
        self.lists: list[list[int]] = []  # [ordered, counter] per open list
        self.link: str | None = None
        self.link_text: list[str] = []
        self.mso = False  # inside an Outlook <p class=MsoNormal>

    # ---- output

    def _write(self, text: str) -> None:
        if not self.cur and not self.prefix:
            self.depth = self.quote
        self.cur.append(text)
        if self.link is not None:
            self.link_text.append(text)

    def _flush(self, *, force: bool = False) -> None:
        body = "".join(self.cur)
        text = body.rstrip() if self.pre else " ".join(body.split())
        if text or self.prefix:
            self.lines.append((self.depth, self.prefix + text))
        elif force:
            self.lines.append((self.quote, ""))
        self.cur, self.prefix = [], ""

    def _paragraph(self) -> None:
        self._flush()
        if self.lines and self.lines[-1][1]:
            self.lines.append((self.quote, ""))

    def _list_break(self) -> None:
        """A top-level list is a paragraph; a nested one just starts a new line."""
        if self.lists:
            self._flush()
        else:
            self._paragraph()

    # ---- parser callbacks

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip += 1
            return
        if tag == "body":  # an unclosed <head> must not hide the body
            self.skip = 0
        if self.skip:
            return
        if tag == "br":
            self._flush(force=True)
        elif tag in ("ul", "ol"):
            self._list_break()
            self.lists.append([tag == "ol", 0])
        elif tag == "li":
            self._flush()
            ordered, number = self.lists[-1] if self.lists else (False, 0)
            if self.lists:
                self.lists[-1][1] = number + 1
            indent = "  " * max(len(self.lists) - 1, 0)
            self.depth = self.quote
            self.prefix = indent + (f"{number + 1}. " if ordered else "- ")
        elif tag == "blockquote":
            self._paragraph()
            self.quote += 1
        elif tag == "pre":
            self._paragraph()
            self.pre += 1
        elif tag == "p" and "msonormal" in (dict(attrs).get("class") or "").lower():
            # Outlook writes every line as a margin-less <p class=MsoNormal>: a line, not a
            # paragraph; an empty one is its blank line
            self._flush()
            self.mso = True
        elif tag in self.PARAGRAPH:
            self._paragraph()
        elif tag in self.BLOCK:
            self._flush()
        elif tag in ("td", "th"):
            if self.cur:
                self._write(" ")
        elif tag == "a":
            self.link = next((v or "" for k, v in attrs if k == "href"), "")
            self.link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip = max(self.skip - 1, 0)
            return
        if self.skip:
            return
        if tag == "a":
            self._end_link()
        elif tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._list_break()
        elif tag == "li":
            self._flush()
        elif tag == "blockquote":
            self._paragraph()
            self.quote = max(self.quote - 1, 0)
            self._paragraph()
        elif tag == "pre":
            self._flush()
            self.pre = max(self.pre - 1, 0)
            self._paragraph()
        elif tag == "p" and self.mso:
            self.mso = False
            self._flush(force=True)
        elif tag in self.PARAGRAPH:
            self._paragraph()
        elif tag in self.BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            for i, piece in enumerate(data.replace("\r\n", "\n").split("\n")):
                if i:
                    self._flush(force=True)
                self._write(piece)
            return
        data = re.sub(r"\s+", " ", data)
        if data != " " or self.cur:
            self._write(data)

    def _end_link(self) -> None:
        href, self.link = (self.link or "").strip(), None
        text = " ".join("".join(self.link_text).split())
        scheme = href.split(":", 1)[0].lower() if ":" in href else ""
        if scheme not in self.LINK_SCHEMES:
            return
        shown = href[7:].split("?", 1)[0] if scheme == "mailto" else href
        if not text:
            self._write(shown)
        elif text not in (href, shown):
            self._write(f" ({shown})")

    def text(self) -> str:
        self._flush()
        lines: list[tuple[int, str]] = []
        for depth, line in self.lines:
            if line or (lines and lines[-1][1]):  # one blank line at most
                lines.append((depth, line))
        out: list[str] = []
        for i, (depth, line) in enumerate(lines):
            if not line:  # a blank line between quote levels belongs to the outer one
                after = lines[i + 1][0] if i + 1 < len(lines) else 0
                depth = min(lines[i - 1][0] if i else 0, after)
            quote = ">" * depth
            out.append(f"{quote} {line}" if quote and line else quote + line)
        return "\n".join(out).strip("\n")


_TAG = re.compile(r"<[^>]*>")


def html_to_text(html: str) -> str:
    """Readable text from HTML: paragraphs and <br> as line breaks, list items as "- "
    (numbered in <ol>), links as "text (url)", blockquotes as "> ", no script/style."""
    if not html:
        return ""
    try:
        parser = _TextExtractor()
        parser.feed(html)
        parser.close()
        text = parser.text()
    except Exception:  # HTMLParser is lenient; this is the never-crash promise
        text = html_lib.unescape(_TAG.sub(" ", html))
    return clean_body(text).strip("\n")

