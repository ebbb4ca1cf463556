"""Building the Whoosh index into a fresh generation folder and switching to it atomically.

Layout under the index root (`indexes/` by default):

    indexes/gen-3f9c2a7d1e0b4c55/   Whoosh files, kb.json (the knowledge snapshot), MANIFEST.json
    indexes/CURRENT                 the name of the generation being served

A generation is named after its content (a SHA-256 of the knowledge snapshot), so every machine
that builds the same knowledge commit serves the same generation name, and /healthz of all nodes
can be compared. Building unchanged knowledge again reuses the intact generation.

Only `kb build` writes. Web workers read the CURRENT pointer, open that generation read-only and
switch to a newer one when the pointer changes, so a rebuild needs no restart and a broken
knowledge base never replaces the generation that is serving.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import shutil
import tempfile
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from struct import error as struct_error

from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage

from .knowledge import KnowledgeBase
from .textanalysis import FunctionTokenizer, english_analyzer, load_analysers
from .vectors import FILENAME as VECTORS_FILE
from .vectors import TermVectors, compute_vectors

POINTER = "CURRENT"
INDEX_FORMAT = 3   # in the generation name: a new layout (2: term vectors, 3: no positions) never reuses a folder
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
    """Word fields without positions: nothing searches phrases, and BM25F needs only term
    frequencies and field lengths (positions were most of the postings' size and write time)."""
    english = english_analyzer()

    def text(analyzer):
        return TEXT(analyzer=analyzer, phrase=False)

    return Schema(
        id=ID(stored=True, unique=True),
        topic=ID(stored=True),
        q_en=text(english), title_en=text(english), kw_en=text(english), body_en=text(english),
        q_ja=text(FunctionTokenizer("ja")), title_ja=text(FunctionTokenizer("ja")),
        kw_ja=text(FunctionTokenizer("ja")), body_ja=text(FunctionTokenizer("ja")),
        romaji=text(FunctionTokenizer("romaji")), romaji_body=text(FunctionTokenizer("romaji")),
    )


# Recall helpers: matched for coverage only, never scored, so they live in the term vectors
# (vectors.py) and not in Whoosh, where they were two thirds of all postings and of build time.
RECALL_FIELDS = {"reading": "reading_bigrams", "gram": "char_bigrams"}
SCORED_FIELDS = (*EN_FIELDS, *JA_FIELDS, "romaji", "romaji_body")
SET_GROUPS = {"en": EN_FIELDS[:3], "en_body": EN_FIELDS[3:], "ja": JA_FIELDS[:3], "ja_body": JA_FIELDS[3:],
              "romaji": ("romaji",), "romaji_body": ("romaji_body",)}


def _ja_short(entry) -> str:
    """The short Japanese texts of an entry: title, questions and keywords."""
    return " 。".join([entry.title["ja"], *entry.questions["ja"], *entry.keywords["ja"]])


def entry_document(entry) -> dict:
    return {
        "id": entry.id, "topic": entry.topic,
        "q_en": "\n".join(entry.questions["en"]), "title_en": entry.title["en"],
        "kw_en": " ".join(entry.keywords["en"]), "body_en": entry.answer["en"],
        "q_ja": "\n".join(entry.questions["ja"]), "title_ja": entry.title["ja"],
        "kw_ja": " ".join(entry.keywords["ja"]), "body_ja": entry.answer["ja"],
        "romaji": _ja_short(entry),      # romanised by the analyzer (Latin words give no romaji terms)
        "romaji_body": entry.answer["ja"],
    }


def recall_texts(entry) -> dict:
    """The texts of the recall helpers: readings of the short Japanese texts, bigrams of all."""
    ja_short = _ja_short(entry)
    return {"reading": ja_short, "gram": ja_short + " " + entry.answer["ja"]}


def recall_terms(entries) -> dict:
    """group → {term: ids of the entries that hold it}, with the functions the Whoosh analyzers
    used to apply when these groups were Whoosh fields."""
    out: dict = {group: {} for group in RECALL_FIELDS}
    for entry in entries:
        for group, text in recall_texts(entry).items():
            members = out[group]
            for term in set(FunctionTokenizer.FUNCTIONS[RECALL_FIELDS[group]](text)):
                members.setdefault(term, []).append(entry.id)
    return out


def snapshot(kb: KnowledgeBase) -> dict:
    """A JSON-ready copy of everything the web layer serves, stored with the index."""
    entries = {}
    for entry in kb.entries.values():
        data = asdict(entry)
        data["reviewed"] = entry.reviewed.isoformat()
        entries[entry.id] = data
    glossary = [{k: v for k, v in t.items() if not k.startswith("_")} for t in kb.glossary]
    return {"entries": entries, "synonyms": kb.synonyms, "light_words": kb.light_words,
            "out_of_scope": kb.out_of_scope, "domain_words": kb.domain_words, "contacts": kb.contacts,
            "glossary": glossary,
            "centres": kb.centres, "agencies": kb.agencies}


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in the snapshot")


MANIFEST = "MANIFEST.json"


class CorruptGeneration(RuntimeError):
    """A generation folder whose files do not match the checksums written when it was built."""


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _readable_by_others(path: Path, mode: int) -> None:
    """mkdtemp/mkstemp create 0700/0600; the serving user may not be the building user."""
    os.chmod(path, mode & ~_umask())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path, entries: int, built: str) -> None:
    files = {p.name: _sha256(p) for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST}
    manifest = {"entries": entries, "built": built, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


def _read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorruptGeneration(f"{folder}: no {MANIFEST} (built by an older version or incomplete)") from None
    except (OSError, ValueError) as exc:
        raise CorruptGeneration(f"{folder}: unreadable {MANIFEST} ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise CorruptGeneration(f"{folder}: {MANIFEST} lists no files")
    return manifest


def _verified_files(folder: Path, manifest: dict):
    """Each file listed at build time as (name, bytes), read once and checked against its checksum."""
    for name, expected in manifest["files"].items():
        path = Path(folder) / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CorruptGeneration(f"{path}: {exc.strerror or exc}") from None
        if hashlib.sha256(data).hexdigest() != expected:
            raise CorruptGeneration(f"{path}: checksum differs from the one written at build (damaged file)")
        yield name, data


def verify_generation(folder: Path) -> None:
    """Raise CorruptGeneration unless every file listed at build time is present and unchanged."""
    for _name, _data in _verified_files(folder, _read_manifest(folder)):
        pass


PARALLEL_FROM = 400   # entries from which a build works in one process per core (each loads Sudachi)
WRITER_MEMORY_MB = 512   # postings kept in memory before Whoosh sorts them through temporary files


def _processes(entries: int) -> int:
    return min(os.cpu_count() or 1, 4) if entries >= PARALLEL_FROM else 1


def _writer(ix, processes: int):
    """Whoosh's own multi-process writer for large knowledge bases: one segment per core, no merge
    (BM25F statistics are index-wide, so scores do not depend on the segments)."""
    if processes > 1:
        return ix.writer(procs=processes, multisegment=True, limitmb=WRITER_MEMORY_MB)
    return ix.writer(limitmb=WRITER_MEMORY_MB)


@contextlib.contextmanager
def _side_task(processes: int, function, *args):
    """Run function(*args) beside the main work: in a forked process when the build is parallel
    (the recall helpers' terms while Whoosh's sub-writers index), else in line. Yields a future."""
    if processes < 2:
        done: Future = Future()
        done.set_result(function(*args))
        yield done
        return
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
        yield pool.submit(function, *args)


def build_index(kb: KnowledgeBase, index_root: Path) -> Path:
    """Write a new generation, verify it, and point CURRENT at it; returns the generation folder.

    An OSError (disk full, permissions) leaves the index being served untouched.
    """
    index_root = Path(index_root)
    index_root.mkdir(parents=True, exist_ok=True)
    data = snapshot(kb)
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True, default=_json_default)
    digest = hashlib.sha256(f"format {INDEX_FORMAT}\n{payload}".encode()).hexdigest()[:16]
    generation = index_root / f"gen-{digest}"
    if generation.is_dir():
        try:
            verify_generation(generation)
        except CorruptGeneration:
            shutil.rmtree(generation)             # damaged: build it again below
        else:
            os.utime(generation)                  # the newest build again
            switch_to(index_root, generation.name)
            prune(index_root)
            return generation
    built = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
    work = Path(tempfile.mkdtemp(prefix=".building-", dir=index_root))
    try:
        ix = whoosh_index.create_in(str(work), build_schema())
        processes = _processes(len(kb.entries))
        if processes > 1:
            load_analysers()   # before the forks below, so that every process shares them
        with _side_task(processes, recall_terms, list(kb.entries.values())) as recall:
            with _writer(ix, processes) as writer:
                for entry in kb.entries.values():
                    writer.add_document(**entry_document(entry))
            vectors = compute_vectors(ix, SCORED_FIELDS, SET_GROUPS, recall.result(), processes)
        ix.close()
        (work / VECTORS_FILE).write_bytes(vectors.to_bytes())
        (work / "kb.json").write_text(payload, encoding="utf-8")
        write_manifest(work, len(kb.entries), built)
        _readable_by_others(work, 0o777)
        for path in work.iterdir():
            _readable_by_others(path, 0o666)
        os.rename(work, generation)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    load_generation(index_root, generation.name)   # verifies every checksum and reads it back before the switch
    switch_to(index_root, generation.name)
    prune(index_root)
    return generation


def switch_to(index_root: Path, generation_name: str) -> None:
    """Atomically replace the CURRENT pointer (write a temp file, then rename over it)."""
    fd, tmp = tempfile.mkstemp(prefix=".current-", dir=index_root)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(generation_name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        _readable_by_others(Path(tmp), 0o666)
        os.replace(tmp, index_root / POINTER)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def current_generation(index_root: Path) -> str | None:
    try:
        name = (Path(index_root) / POINTER).read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return name or None


def _built_at(folder: Path) -> float:
    """When a generation was (last) built: its folder's modification time."""
    try:
        return folder.stat().st_mtime
    except OSError:
        return 0.0


def generations_newest_first(index_root: Path) -> list[str]:
    """Generation folder names, the most recently built first."""
    try:
        folders = [p for p in Path(index_root).glob("gen-*") if p.is_dir()]
    except OSError:
        return []
    return [p.name for p in sorted(folders, key=lambda p: (_built_at(p), p.name), reverse=True)]


def prune(index_root: Path) -> None:
    """Delete all but the newest generations; the serving and previous ones always stay."""
    current = current_generation(index_root)
    generations = [Path(index_root) / name for name in reversed(generations_newest_first(index_root))]
    for old in generations[:-KEEP_GENERATIONS]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)
    for leftover in Path(index_root).glob(".building-*"):
        age = dt.datetime.now().timestamp() - leftover.stat().st_mtime
        if age > 3600:
            shutil.rmtree(leftover, ignore_errors=True)


def open_generation(index_root: Path, name: str):
    """Load a generation into memory, verified, with the in-code schema; returns (whoosh index, snapshot).

    Every file is read once, checked against the checksum written at build and kept in RAM (a few
    MB): what is searched is exactly what was verified, and a file damaged on disk later can
    neither change answers nor kill the process (a damaged memory-mapped file raises SIGBUS).
    """
    folder = Path(index_root) / name
    manifest = _read_manifest(folder)
    ram = RamStorage()
    snapshot_bytes = None
    for filename, data in _verified_files(folder, manifest):
        if filename == "kb.json":
            snapshot_bytes = data
        else:
            with ram.create_file(filename) as fh:
                fh.write(data)
    if snapshot_bytes is None:
        raise CorruptGeneration(f"{folder}: kb.json is not listed in {MANIFEST}")
    ix = ram.open_index(schema=build_schema())
    data = json.loads(snapshot_bytes.decode("utf-8"))
    data["built"] = manifest.get("built")
    return ix, data


def load_generation(index_root: Path, name: str):
    """What a web worker needs from a generation, verified: (snapshot, term vectors).

    Every file is checked against its checksum (so a damaged Whoosh file is noticed too), but only
    the snapshot and the term vectors are kept: answering needs no Whoosh search.
    """
    folder = Path(index_root) / name
    manifest = _read_manifest(folder)
    wanted = {}
    for filename, data in _verified_files(folder, manifest):
        if filename in ("kb.json", VECTORS_FILE):
            wanted[filename] = data
    for filename in ("kb.json", VECTORS_FILE):
        if filename not in wanted:
            raise CorruptGeneration(f"{folder}: {filename} is not listed in {MANIFEST}")
    data = json.loads(wanted["kb.json"].decode("utf-8"))
    data["built"] = manifest.get("built")
    try:
        vectors = TermVectors.from_bytes(wanted[VECTORS_FILE])
    except (ValueError, KeyError, struct_error) as exc:
        raise CorruptGeneration(f"{folder}: unreadable {VECTORS_FILE} ({exc})") from None
    return data, vectors
