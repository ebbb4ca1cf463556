"""Building the Whoosh index into a fresh generation folder and switching to it atomically.

Layout under the index root (`indexes/` by default):

    indexes/gen-20261122T101500-ab12cd34/   Whoosh files + kb.json (the knowledge snapshot)
    indexes/CURRENT                          the name of the generation being served

Only `kb build` writes. Web workers read the CURRENT pointer, open that generation read-only and
switch to a newer one when the pointer changes, so a rebuild needs no restart and a broken
knowledge base never replaces the generation that is serving.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema

from .knowledge import KnowledgeBase
from .textanalysis import FunctionTokenizer, english_analyzer, fold_romaji, latin_words

POINTER = "CURRENT"
KEEP_GENERATIONS = 3

# Field → (language, weight). Paraphrased questions are the strongest signal, then the title,
# then keywords, then the answer text; romaji, readings and bigrams are recall helpers.
FIELD_BOOSTS = {
    "q_en": 3.0, "title_en": 2.0, "kw_en": 1.5, "body_en": 0.6,
    "q_ja": 3.0, "title_ja": 2.0, "kw_ja": 1.5, "body_ja": 0.6,
    "romaji": 1.5, "romaji_body": 0.4, "reading": 0.8, "gram": 0.3,
}
EN_FIELDS = ("q_en", "title_en", "kw_en", "body_en")
JA_FIELDS = ("q_ja", "title_ja", "kw_ja", "body_ja")


def build_schema() -> Schema:
    english = english_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        topic=ID(stored=True),
        q_en=TEXT(analyzer=english), title_en=TEXT(analyzer=english),
        kw_en=TEXT(analyzer=english), body_en=TEXT(analyzer=english),
        q_ja=TEXT(analyzer=FunctionTokenizer("ja")), title_ja=TEXT(analyzer=FunctionTokenizer("ja")),
        kw_ja=TEXT(analyzer=FunctionTokenizer("ja")), body_ja=TEXT(analyzer=FunctionTokenizer("ja")),
        romaji=TEXT(analyzer=FunctionTokenizer("romaji")),
        romaji_body=TEXT(analyzer=FunctionTokenizer("romaji")),
        reading=TEXT(analyzer=FunctionTokenizer("reading_bigrams")),
        gram=TEXT(analyzer=FunctionTokenizer("char_bigrams")),
    )


def _romaji_text(entry) -> str:
    """Japanese texts (romanised by the analyzer) plus the folded Latin words of the English side."""
    ja = " 。".join([entry.title["ja"], *entry.questions["ja"], *entry.keywords["ja"]])
    latin = " ".join(fold_romaji(w) for w in latin_words(" ".join([*entry.questions["en"], *entry.keywords["en"]])))
    return ja + " 。" + latin


def entry_document(entry) -> dict:
    ja_short = " 。".join([entry.title["ja"], *entry.questions["ja"], *entry.keywords["ja"]])
    return {
        "id": entry.id, "topic": entry.topic,
        "q_en": "\n".join(entry.questions["en"]), "title_en": entry.title["en"],
        "kw_en": " ".join(entry.keywords["en"]), "body_en": entry.answer["en"],
        "q_ja": "\n".join(entry.questions["ja"]), "title_ja": entry.title["ja"],
        "kw_ja": " ".join(entry.keywords["ja"]), "body_ja": entry.answer["ja"],
        "romaji": _romaji_text(entry),
        "romaji_body": entry.answer["ja"],
        "reading": ja_short,
        "gram": ja_short + " " + entry.answer["ja"],
    }


def snapshot(kb: KnowledgeBase) -> dict:
    """A JSON-ready copy of everything the web layer serves, stored with the index."""
    entries = {}
    for entry in kb.entries.values():
        data = asdict(entry)
        data["reviewed"] = entry.reviewed.isoformat()
        entries[entry.id] = data
    glossary = [{k: v for k, v in t.items() if not k.startswith("_")} for t in kb.glossary]
    return {"entries": entries, "synonyms": kb.synonyms, "contacts": kb.contacts, "glossary": glossary,
            "centres": kb.centres, "agencies": kb.agencies}


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in the snapshot")


def build_index(kb: KnowledgeBase, index_root: Path) -> Path:
    """Write a new generation and point CURRENT at it; returns the generation folder."""
    index_root = Path(index_root)
    index_root.mkdir(parents=True, exist_ok=True)
    data = snapshot(kb)
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, default=_json_default)
    digest = hashlib.sha256(payload.encode()).hexdigest()[:8]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=index_root))
    try:
        ix = whoosh_index.create_in(str(work), build_schema())
        with ix.writer() as writer:
            for entry in kb.entries.values():
                writer.add_document(**entry_document(entry))
        (work / "kb.json").write_text(payload, encoding="utf-8")
        generation = index_root / f"gen-{stamp}-{digest}"
        os.rename(work, generation)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    switch_to(index_root, generation.name)
    prune(index_root)
    return generation


def switch_to(index_root: Path, generation_name: str) -> None:
    """Atomically replace the CURRENT pointer (write a temp file, then rename over it)."""
    fd, tmp = tempfile.mkstemp(prefix=".current-", dir=index_root)
    with os.fdopen(fd, "w") as fh:
        fh.write(generation_name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_root / POINTER)


def current_generation(index_root: Path) -> str | None:
    try:
        name = (Path(index_root) / POINTER).read_text().strip()
    except FileNotFoundError:
        return None
    return name or None


def prune(index_root: Path) -> None:
    """Delete all but the newest generations; the serving and previous ones always stay."""
    current = current_generation(index_root)
    generations = sorted(p for p in Path(index_root).glob("gen-*") if p.is_dir())
    for old in generations[:-KEEP_GENERATIONS]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)
    for leftover in Path(index_root).glob(".building-*"):
        age = dt.datetime.now().timestamp() - leftover.stat().st_mtime
        if age > 3600:
            shutil.rmtree(leftover, ignore_errors=True)


def open_generation(index_root: Path, name: str):
    """Open a generation read-only with the in-code schema; returns (whoosh index, snapshot)."""
    folder = Path(index_root) / name
    ix = whoosh_index.open_dir(str(folder), readonly=True, schema=build_schema())
    data = json.loads((folder / "kb.json").read_text(encoding="utf-8"))
    return ix, data
