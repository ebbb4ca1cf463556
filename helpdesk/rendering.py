"""Markdown to safe HTML, and to plain text for the JSON API.

Staff write answers in Markdown; markdown-it-py renders them (tables included) and nh3 (the
Ammonia sanitiser) keeps only harmless tags, so even a mistaken <script> in a knowledge file
never reaches a page. Links `entry:ID` become links to the entry page.
"""

from __future__ import annotations

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


def _inline_text(token, lang: str) -> str:
    """The words of one inline token; a link keeps its target: "text (https://…)"."""
    out: list = []
    hrefs: list = []
    for child in token.children or ():
        if child.type in ("text", "code_inline", "html_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" " if child.type == "softbreak" else "\n")
        elif child.type == "link_open":
            href = str(child.attrs.get("href", ""))
            if href.startswith("entry:"):
                href = f"/entry/{href[len('entry:'):]}?lang={lang}"
            hrefs.append((href, len(out)))
        elif child.type == "link_close" and hrefs:
            href, start = hrefs.pop()
            label = "".join(out[start:]).strip()
            if href and href != label:
                out.append(f" ({href})")
        elif child.type == "image":
            out.append(child.content)
    return "".join(out).replace(_OPEN, "").replace(_CLOSE, "")


@lru_cache(maxsize=2048)
def to_text(markdown: str, lang: str = "en") -> str:
    """Plain text for the JSON API and plain-text channels, readable without Markdown:
    a table row becomes one line with its cells joined by " — ", list items keep "• " or
    "1. " (indented when nested), a link keeps its target as "text (address)" and an entry
    link becomes the entry's site path. HTML in the source stays literal text."""
    tokens = _md.parse(_mark_bold(markdown))
    lines: list = []
    lists: list = []          # stack of [kind, next number]
    prefix = ""               # the bullet or number waiting for the first line of a list item
    row: list = []
    in_cell = False
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = int(token.attrs.get("start", 1) or 1) if kind == "ordered_list_open" else 0
            lists.append(["ol" if start else "ul", start])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            if not lists:
                lines.append("")
        elif kind == "list_item_open":
            current = lists[-1]
            marker = f"{current[1]}. " if current[0] == "ol" else "• "
            if current[0] == "ol":
                current[1] += 1
            prefix = "  " * (len(lists) - 1) + marker
        elif kind == "tr_open":
            row = []
        elif kind in ("th_open", "td_open"):
            in_cell = True
        elif kind in ("th_close", "td_close"):
            in_cell = False
        elif kind == "tr_close":
            lines.append(" — ".join(cell for cell in row if cell))
        elif kind == "table_close":
            lines.append("")
        elif kind == "inline":
            text = _inline_text(token, lang).strip()
            if in_cell:
                row.append(text)
            elif prefix:
                lines.append(prefix + text)
                prefix = ""
            elif lists:
                lines.append("  " * len(lists) + text)
            else:
                lines.append(text)
        elif kind in ("paragraph_close", "heading_close") and not lists:
            lines.append("")
        elif kind in ("fence", "code_block"):
            lines.extend([token.content.rstrip("\n"), ""])
    text = "\n".join(lines)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@lru_cache(maxsize=2048)
def split_lead(markdown: str) -> tuple[str, str]:
    """The answer's lead (its first block: a paragraph, a list, a table), and the rest, in Markdown.

    A first paragraph that only announces what follows ("…:") keeps that block with it, and a
    heading keeps the paragraph under it, so the lead always says something by itself.
    """
    lines = markdown.splitlines()
    blocks = [t for t in _md.parse(markdown) if t.level == 0 and t.nesting in (1, 0) and t.map]
    if len(blocks) <= 1:
        return markdown.strip(), ""
    first = blocks[0]
    announces = "\n".join(lines[first.map[0]:first.map[1]]).rstrip().endswith((":", "："))
    end = blocks[1 if first.type == "heading_open" or announces else 0].map[1]
    return "\n".join(lines[:end]).strip(), "\n".join(lines[end:]).strip()
