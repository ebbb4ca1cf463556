"""Markdown to safe HTML, and to plain text for the JSON API.

Staff write answers in Markdown; markdown-it-py renders them (tables included) and nh3 (the
Ammonia sanitiser) keeps only harmless tags, so even a mistaken <script> in a knowledge file
never reaches a page. Links `entry:ID` become links to the entry page.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "a", "table", "thead", "tbody",
                "tr", "th", "td", "h3", "h4", "blockquote", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}}


# CommonMark does not close `**` between CJK punctuation and a letter (「**総合評定値（P点）**という」),
# so bold spans on one line are marked with private-use characters before rendering and turned
# into <strong> after sanitising.
_BOLD = re.compile(r"\*\*(?=\S)([^*\n]+?)(?<=\S)\*\*")
_OPEN, _CLOSE = "\ue000", "\ue001"


def _mark_bold(markdown: str) -> str:
    return _BOLD.sub(lambda m: _OPEN + m.group(1) + _CLOSE, markdown.replace(_OPEN, "").replace(_CLOSE, ""))


def _link_entries(markdown: str, lang: str) -> str:
    return re.sub(r"\]\(entry:([a-z0-9-]+)\)", lambda m: f"](/entry/{m.group(1)}?lang={lang})", markdown)


@lru_cache(maxsize=2048)
def to_html(markdown: str, lang: str = "en") -> str:
    raw = _md.render(_mark_bold(_link_entries(markdown, lang)))
    raw = re.sub(r"<h[12]>", "<h3>", raw)
    raw = re.sub(r"</h[12]>", "</h3>", raw)
    clean = nh3.clean(raw, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener noreferrer")
    return clean.replace(_OPEN, "<strong>").replace(_CLOSE, "</strong>")


@lru_cache(maxsize=2048)
def to_text(markdown: str) -> str:
    """Plain text: tags dropped, block ends become line breaks, entities decoded."""
    rendered = _md.render(re.sub(r"\]\(entry:[a-z0-9-]+\)", "]()", _mark_bold(markdown)))
    rendered = re.sub(r"</(p|li|tr|h\d|pre|blockquote)>", "\n", rendered)
    rendered = re.sub(r"</t[hd]>", " | ", rendered)
    text = html.unescape(nh3.clean(rendered, tags=set())).replace(_OPEN, "").replace(_CLOSE, "")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
