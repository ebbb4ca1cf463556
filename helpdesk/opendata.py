"""The knowledge base as open data: pure functions from the index snapshot to JSON and CSV.

Nothing here knows about Flask; `helpdesk/web/opendata.py` serves what these functions build.

- `knowledge_document(engine)`: every knowledge entry of the generation being served, in both
  languages, with its sources, the generation name and its build time (from its manifest).
- `glossary_rows(terms)` / `centre_rows(centres)`: one row per glossary term / consultancy desk,
  each cell neutralised against spreadsheet formula injection; `csv_bytes` writes them as UTF-8
  with a BOM (so spreadsheet programs read the Japanese correctly).

Sources are never invented: a glossary term without source information gets an empty cell.
"""

from __future__ import annotations

import csv
import io

# Bump when the shape of a published file changes, so cached copies (ETag) are not reused.
FORMAT_VERSION = "1"

LICENCE = {
    "id": "CC-BY-4.0",
    "name": "CC BY 4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "Procurement Helpdesk",
    "statement": {
        "en": "Knowledge texts: CC BY 4.0, Procurement Helpdesk. Facts come from the sources cited in each entry.",
        "ja": "知識ベースの文章：CC BY 4.0、公共調達ヘルプデスク。事実は各項目に記載した出典に基づきます。",
    },
}

# A spreadsheet treats a cell starting with one of these as a formula (tab and CR as well, per OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

GLOSSARY_HEADER = ["ja", "kana", "romaji", "en", "definition_en", "definition_ja", "entry", "source"]
CENTRE_HEADER = ["scope", "code", "prefecture_en", "prefecture_ja", "organisation_en", "organisation_ja",
                 "desk_en", "desk_ja", "phone", "url", "address_ja", "as_of", "status", "notes_en", "notes_ja",
                 "sources"]
SOURCE_SEPARATOR = " | "


def _bilingual(value) -> dict:
    value = value if isinstance(value, dict) else {}
    return {"en": value.get("en", ""), "ja": value.get("ja", "")}


def _source(src: dict) -> dict:
    """Title, address (null for a document without one: the title is its full citation) and date."""
    return {"title": src.get("title", ""), "url": src.get("url") or None, "date": src.get("date", "")}


def knowledge_entry(data: dict) -> dict:
    """One entry of the index snapshot as published (answers are the Markdown as written)."""
    return {
        "id": data["id"],
        "topic": data.get("topic", ""),
        "reviewed": data.get("reviewed", ""),
        "title": _bilingual(data.get("title")),
        "answer": _bilingual(data.get("answer")),
        "questions": {lang: list((data.get("questions") or {}).get(lang, [])) for lang in ("en", "ja")},
        "sources": [_source(s) for s in data.get("sources", []) if isinstance(s, dict)],
    }


def knowledge_document(engine) -> dict:
    """All entries of the engine's generation, sorted by id, with generation, build time and licence."""
    entries = [knowledge_entry(engine.entries[key]) for key in sorted(engine.entries)]
    return {
        "generation": engine.generation,
        "generated": engine.data.get("built"),   # from the generation's manifest, not the clock
        "licence": LICENCE,
        "count": len(entries),
        "entries": entries,
    }


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ (or tab/CR) gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _safe_row(values) -> list[str]:
    return [safe_cell(v) for v in values]


def sources_text(sources) -> str:
    """Source titles and addresses as one cell: 'title <url> | title <url>'; '' when there are none.

    Accepts what the knowledge files may carry: a list of {title, url} records (url null for a
    document cited in full by its title), one such record, or plain text.
    """
    if not sources:
        return ""
    if isinstance(sources, (str, dict)):
        sources = [sources]
    parts = []
    for src in sources:
        if isinstance(src, str):
            text = src.strip()
        elif isinstance(src, dict):
            title = str(src.get("title") or "").strip()
            where = str(src.get("url") or "").strip()
            text = f"{title} <{where}>" if title and where else (title or where)
        else:
            continue
        if text:
            parts.append(text)
    return SOURCE_SEPARATOR.join(parts)


def glossary_rows(terms) -> list[list[str]]:
    """One row per glossary term (columns: GLOSSARY_HEADER). `source` is empty unless the term has one."""
    rows = []
    for term in terms:
        definition = _bilingual(term.get("definition"))
        source = term.get("sources", term.get("source"))
        rows.append(_safe_row([term.get("ja", ""), term.get("kana", ""), term.get("romaji", ""), term.get("en", ""),
                               definition["en"], definition["ja"], term.get("entry", ""), sources_text(source)]))
    return rows


def _centre_row(scope: str, item: dict) -> list[str]:
    prefecture, organisation = _bilingual(item.get("prefecture")), _bilingual(item.get("organisation"))
    desk, notes = _bilingual(item.get("desk")), _bilingual(item.get("notes"))
    return _safe_row([scope, item.get("code", ""), prefecture["en"], prefecture["ja"],
                      organisation["en"], organisation["ja"], desk["en"], desk["ja"],
                      item.get("phone", ""), item.get("url", ""), item.get("address_ja", ""), item.get("as_of", ""),
                      item.get("status", ""), notes["en"], notes["ja"], sources_text(item.get("sources"))])


def centre_rows(centres: dict) -> list[list[str]]:
    """One row per consultancy desk: the national centre first (if any), then the prefectures' desks."""
    centres = centres or {}
    rows = []
    if centres.get("national"):
        rows.append(_centre_row("national", centres["national"]))
    rows.extend(_centre_row("prefecture", item) for item in centres.get("centres", []) if isinstance(item, dict))
    return rows


def csv_bytes(header: list[str], rows) -> bytes:
    """CSV (RFC 4180: quoted as needed, CRLF line ends) in UTF-8 with a byte order mark."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(_safe_row(row) for row in rows)
    return out.getvalue().encode("utf-8-sig")
