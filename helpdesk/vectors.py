"""Term vectors of one index generation, computed once by `kb build` and loaded by each worker.

Why: answering used to run a Whoosh search per question (about half of its time) and to walk
every posting of the index when a worker opened a generation (seconds at 50× the knowledge).
Whoosh stays the index of record: at build, every posting of the word fields is scored with
Whoosh's own BM25F scorer and stored here, so a question's BM25F score is the same sum that
Whoosh's OR query computes (Σ boost × term score), read from arrays instead of a search. The
term → entries sets used for coverage are stored too, the recall helpers (readings and character
bigrams) only here: they never take part in BM25F.

File layout (`vectors.bin`): 8-byte little-endian header length, a UTF-8 JSON header (entry ids
in document order; per field or group its terms and their offsets), then the arrays: document
numbers as 32-bit ints, BM25F scores as 64-bit floats (exact, so decisions do not move).
"""

from __future__ import annotations

import json
import multiprocessing
import struct
import sys
from array import array
from concurrent.futures import ProcessPoolExecutor

from whoosh.scoring import BM25F

FILENAME = "vectors.bin"


class TermVectors:
    """BM25F postings per (field, term) and entry sets per (group, term) of one generation."""

    def __init__(self, ids: list, scored: dict, sets: dict, docs: array, scores: array):
        self.ids = ids              # document number → entry id
        self._scored = scored       # field → {term: (start, end)} into docs/scores
        self._sets = sets           # group → {term: (start, end)} into docs
        self._docs = docs
        self._scores = scores
        self._set_cache: dict = {}

    # ------------------------------------------------------------ reading

    def has_scores(self, field: str, term: str) -> bool:
        return term in self._scored.get(field, ())

    def scores(self, field: str, term: str):
        """(document numbers, BM25F scores) of one term in one field; empty when absent."""
        span = self._scored.get(field, {}).get(term)
        if span is None:
            return (), ()
        start, end = span
        return self._docs[start:end], self._scores[start:end]

    def terms(self, group: str):
        return self._sets.get(group, {}).keys()

    def entries(self, group: str, term: str) -> frozenset:
        """The ids of the entries whose `group` fields hold `term` (cached once asked)."""
        key = (group, term)
        found = self._set_cache.get(key)
        if found is None:
            span = self._sets.get(group, {}).get(term)
            if span is None:
                return frozenset()
            ids = self.ids
            found = frozenset(ids[d] for d in self._docs[span[0]:span[1]])
            self._set_cache[key] = found
        return found

    # ------------------------------------------------------------ storing

    def to_bytes(self) -> bytes:
        header = json.dumps({"ids": self.ids, "scored": self._scored, "sets": self._sets,
                             "docs": len(self._docs), "scores": len(self._scores)},
                            ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        docs, scores = array("i", self._docs), array("d", self._scores)
        if sys.byteorder != "little":
            docs.byteswap()
            scores.byteswap()
        return struct.pack("<Q", len(header)) + header + docs.tobytes() + scores.tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> TermVectors:
        (length,) = struct.unpack_from("<Q", data, 0)
        header = json.loads(data[8:8 + length].decode("utf-8"))
        offset = 8 + length
        docs = array("i")
        docs.frombytes(data[offset:offset + 4 * header["docs"]])
        offset += 4 * header["docs"]
        scores = array("d")
        scores.frombytes(data[offset:offset + 8 * header["scores"]])
        if sys.byteorder != "little":
            docs.byteswap()
            scores.byteswap()
        scored = {f: {t: tuple(span) for t, span in terms.items()} for f, terms in header["scored"].items()}
        sets = {g: {t: tuple(span) for t, span in terms.items()} for g, terms in header["sets"].items()}
        return cls(header["ids"], scored, sets, docs, scores)


def _score_fields(ix, fields) -> dict:
    """field → ({term: (start, end)}, document numbers, BM25F scores), spans local to the field.

    Each posting gets the number Whoosh's BM25F scorer gives it in a search: the scorer's
    `_score(weight, field length)`, with the length from the same reader function.
    """
    out = {}
    with ix.searcher(weighting=BM25F()) as searcher:
        reader = searcher.reader()
        weighting = searcher.weighting
        for field in fields:
            docs, scores, spans = array("i"), array("d"), {}
            # The scorer's own length function, read once per document instead of per posting
            lengths = [reader.doc_field_length(d, field, 1) for d in range(reader.doc_count_all())]
            for term in sorted(t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.field_terms(field)):
                score = weighting.scorer(searcher, field, term)._score   # BM25F: bm25(idf, tf, length, …)
                matcher = reader.postings(field, term)
                start = len(docs)
                while matcher.is_active():
                    docnum = matcher.id()
                    docs.append(docnum)
                    scores.append(score(matcher.weight(), lengths[docnum]))
                    matcher.next()
                spans[term] = (start, len(docs))
            out[field] = (spans, docs, scores)
    return out


def _score_fields_in_processes(ix, fields, processes: int) -> dict:
    """The same as _score_fields, with one task per field for a pool of forked processes, the
    largest fields first so that the processes finish together."""
    if processes < 2 or len(fields) < 2:
        return _score_fields(ix, fields)
    with ix.reader() as reader:
        largest_first = sorted(fields, key=lambda field: -reader.field_length(field))
    merged = {}
    with ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("fork")) as pool:
        for result in pool.map(_score_fields, [ix] * len(fields), [[field] for field in largest_first]):
            merged.update(result)
    return {field: merged[field] for field in fields}


def compute_vectors(ix, scored_fields, set_groups: dict, recall_members: dict, processes: int = 1) -> TermVectors:
    """Score every posting of `scored_fields` with Whoosh's BM25F; collect entry sets per group.

    set_groups: group → the Whoosh fields whose terms make up the group's sets.
    recall_members: group → {term: entry ids}, for groups kept out of Whoosh.
    processes: fields are scored in this many forked processes (large knowledge bases).
    """
    docs, scores = array("i"), array("d")
    scored: dict = {}
    sets: dict = {}
    with ix.reader() as reader:
        ids = [None] * reader.doc_count_all()
        for docnum, stored in reader.iter_docs():
            ids[docnum] = stored["id"]
    number = {entry_id: n for n, entry_id in enumerate(ids)}
    for field, (spans, field_docs, field_scores) in _score_fields_in_processes(ix, scored_fields, processes).items():
        offset = len(docs)
        docs.extend(field_docs)
        scores.extend(field_scores)
        scored[field] = {term: (start + offset, end + offset) for term, (start, end) in spans.items()}
    for group, fields in set_groups.items():
        members: dict = {}
        for field in fields:
            for term, (start, end) in scored.get(field, {}).items():
                members.setdefault(term, set()).update(docs[start:end])
        sets[group] = _append_sets(docs, members)
    for group, by_term in recall_members.items():
        sets[group] = _append_sets(docs, {term: {number[e] for e in entry_ids} for term, entry_ids in by_term.items()})
    return TermVectors(ids, scored, sets, docs, scores)


def _append_sets(docs: array, members: dict) -> dict:
    """Append each term's document numbers (sorted) to `docs`; returns {term: (start, end)}."""
    spans = {}
    for term in sorted(members):
        start = len(docs)
        docs.extend(sorted(members[term]))
        spans[term] = (start, len(docs))
    return spans
