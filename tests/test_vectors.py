"""The term vectors give Whoosh's own BM25F numbers, so every decision is the one a Whoosh search
would give, on every question set; and they survive a round trip through their file format."""

from pathlib import Path

import pytest
from whoosh import query as wq
from whoosh.scoring import BM25F

from helpdesk.answering import Engine
from helpdesk.deciding import decide
from helpdesk.evaluation import load_questions
from helpdesk.indexing import open_generation
from helpdesk.vectors import TermVectors

EVAL = Path(__file__).parent / "eval"
SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "questions.yaml"


class WhooshEngine(Engine):
    """The engine as it was: BM25F from a Whoosh OR query per question."""

    def __init__(self, ix, *args):
        super().__init__(*args)
        self.searcher = ix.searcher(weighting=BM25F())

    def bm25(self, qa):
        terms = [wq.Term(f, t, boost=b) for f, t, b in self.query_terms(qa)]
        if not terms:
            return {}
        return {self.vectors.ids[hit.docnum]: hit.score for hit in self.searcher.search(wq.Or(terms), limit=None)}


@pytest.fixture(scope="module")
def engines(real_app):
    engine = real_app.extensions["engine_store"].current()
    ix, _data = open_generation(real_app.config["INDEX_DIR"], engine.generation)
    return engine, WhooshEngine(ix, engine.data, engine.vectors, engine.generation)


def all_questions():
    paths = sorted(EVAL.glob("questions_*.yaml")) + ([SHARED] if SHARED.exists() else [])
    return [item["q"] for path in paths for item in load_questions(path)]


def test_every_decision_matches_a_whoosh_search(engines):
    fast, whoosh = engines
    questions = all_questions()
    assert len(questions) > 600
    differences = []
    for q in questions:
        a, b = decide(fast, q), decide(whoosh, q)
        same_scores = a.scores.keys() == b.scores.keys() and all(
            abs(a.scores[k] - b.scores[k]) < 1e-9 for k in a.scores)
        if (a.answered, a.answer_ids, a.related_ids, a.centre) != (b.answered, b.answer_ids, b.related_ids, b.centre) \
                or not same_scores:
            differences.append(q)
    assert differences == []


def test_bm25_numbers_equal_whoosh_scores(engines):
    fast, whoosh = engines
    for q in ["keishin validity", "官公需の目標は何パーセント", "kankouju tekikaku kumiai", "ISMAP cloud"]:
        qa = fast.analyze(q)
        ours, theirs = fast.bm25(qa), whoosh.bm25(qa)
        assert ours.keys() == theirs.keys() and ours
        assert all(abs(ours[k] - theirs[k]) <= 1e-9 * max(1.0, theirs[k]) for k in ours)


def test_vectors_round_trip_through_bytes(engines):
    fast, _ = engines
    again = TermVectors.from_bytes(fast.vectors.to_bytes())
    assert again.ids == fast.vectors.ids
    docs, scores = fast.vectors.scores("q_en", "keishin")
    again_docs, again_scores = again.scores("q_en", "keishin")
    assert list(again_docs) == list(docs) and list(again_scores) == list(scores) and docs
    assert again.entries("en", "keishin") == fast.vectors.entries("en", "keishin")


def _by_entry(vectors: TermVectors) -> dict:
    """(field, term) → {entry id: score} and (group, term) → entry ids: independent of document order."""
    out = {}
    for field, terms in vectors._scored.items():
        for term in terms:
            docs, scores = vectors.scores(field, term)
            out[("score", field, term)] = {vectors.ids[d]: s for d, s in zip(docs, scores, strict=True)}
    for group, terms in vectors._sets.items():
        for term in terms:
            out[("set", group, term)] = vectors.entries(group, term)
    return out


def test_a_parallel_build_gives_the_same_vectors(monkeypatch, tmp_path):
    """Large knowledge bases build in several processes (Whoosh's sub-writers, recall terms and
    field scoring forked): the result must be the serial build's, number for number."""
    import helpdesk.indexing as indexing
    from helpdesk.knowledge import load_valid_knowledge

    kb = load_valid_knowledge(Path(__file__).resolve().parent.parent / "knowledge")
    serial = indexing.load_generation(tmp_path / "a", indexing.build_index(kb, tmp_path / "a").name)[1]
    monkeypatch.setattr(indexing, "PARALLEL_FROM", 1)
    monkeypatch.setattr(indexing.os, "cpu_count", lambda: 2)
    built = indexing.build_index(kb, tmp_path / "b")
    parallel = indexing.load_generation(tmp_path / "b", built.name)[1]
    assert len(list((built).glob("*.seg"))) >= 2          # really written by two sub-writers
    assert _by_entry(parallel) == _by_entry(serial)
