"""Deciding what to answer, from the analysis and ranking of answering.py.

The decision rule is one threshold: the best entry must cover at least CONFIDENCE_THRESHOLD of
the question's weight, else the answer is `answered: false` with the contacts to turn to. It is
lowered to ANCHORED_THRESHOLD when that entry contains, in full, a curated domain term the
question names (a synonyms.yaml group such as keishin, DMP, official gazette): long natural
questions carry words the knowledge base has never seen, and naming the domain term is the
strongest evidence that the question is on topic. For a long question (LONG_QUESTION content
words or more) both thresholds scale by LONG_THRESHOLD_FACTOR, because the asker's own story
("we are a 40-person Dutch manufacturer ...") dilutes coverage. The ambiguity gap decides how many answers
are shown: entries within AMBIGUITY_GAP of the best are
shown beside it (up to MAX_ANSWERS) because the question fits them about equally.

A text holding two questions is split into its question parts; each part's best answer leads.
A question naming a subject the helpdesk does not cover (knowledge/out_of_scope.yaml) is declined
unless the best entry names it too, and so is a question naming nothing of procurement
(knowledge/domain_words.yaml; see Engine.names_domain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .answering import COVERAGE_SHARE, Engine, QueryAnalysis

CONFIDENCE_THRESHOLD = 0.5
ANCHORED_THRESHOLD = 0.3      # enough when the entry contains a curated domain term the user named
AMBIGUITY_GAP = 0.12
MAX_ANSWERS = 3
LONG_THRESHOLD_FACTOR = 0.75  # a long question's own story dilutes coverage: thresholds scale down
FULL_COVERAGE = 0.9           # an entry covering this much of the question needs no domain word


@dataclass
class Decision:
    """What to answer. `scores` holds each answer's own rank score in [0, 1] for the question
    (or the question part) it answers: COVERAGE_SHARE × its coverage + the rest × its BM25F
    relevance relative to the best candidate. `confidence` is the coverage of the best answer,
    the number the threshold judges."""

    answered: bool
    confidence: float
    answer_ids: list
    related_ids: list
    analysis: QueryAnalysis
    centre: dict | None = None
    glossary_terms: list = field(default_factory=list)
    scores: dict = field(default_factory=dict)

    @property
    def glossary_term(self):
        return self.glossary_terms[0] if self.glossary_terms else None


# A question of several parts: sentences, or "… and how/what/do …" joining two questions.
_PART_BREAK = re.compile(
    r"(?<=[?？。!！])\s*|[,;]?\s+(?:and|also|plus)\s+(?=(?:what|how|where|who|why|when|which|do|does|can|could"
    r"|is|are|should|must|will|would)\b)|(?:、|。)?\s*(?:また|それと|あと|それから|さらに)[、,]\s*")
_ASKS_EN = re.compile(r"^(?:what|how|where|who|why|when|which|do|does|did|can|could|is|are|should|must|will|would"
                      r"|may|tell|explain|list|give)\b|\?$")
_ASKS_JA = re.compile(r"([か？?]|ですか|でしょうか|ますか|とは|教えて(ください)?|知りたい|したい|たい)[。]?$")


def question_parts(text: str) -> list:
    """The questions inside a text; statements of context ("We are a Dutch SME.") are left out.
    One part (the whole text) unless at least two parts are questions."""
    pieces = [p.strip(" ,、") for p in _PART_BREAK.split(text.strip()) if p and p.strip(" ,、")]
    asks = [p for p in pieces if _ASKS_EN.search(p.lower()) or _ASKS_JA.search(p)]
    return asks if len(asks) >= 2 else [text]


def _choose(engine: Engine, qa: QueryAnalysis) -> tuple:
    """(answered, chosen [(id, rank score)], coverage of the best, the ranking) for one question (part)."""
    ranked = engine.rank(qa)
    if not ranked:
        return False, [], 0.0, ranked
    top_id, top_final, top_cov, _ = ranked[0]
    threshold = ANCHORED_THRESHOLD if engine.anchored(qa, top_id) else CONFIDENCE_THRESHOLD
    if qa.is_long:
        threshold *= LONG_THRESHOLD_FACTOR
    if top_cov < threshold:
        return False, [(top_id, top_final)], top_cov, ranked
    chosen = [(top_id, top_final)]
    for entry_id, final, cov, _ in ranked[1:]:
        if len(chosen) >= MAX_ANSWERS:
            break
        if top_final - final <= AMBIGUITY_GAP and cov >= threshold:
            chosen.append((entry_id, final))
    # Show up to three: fill with the next best entries that still clear the threshold.
    for entry_id, final, cov, _ in ranked[1:]:
        if len(chosen) >= MAX_ANSWERS:
            break
        if all(entry_id != c for c, _ in chosen) and cov >= threshold and final >= 0.6 * top_final:
            chosen.append((entry_id, final))
    return True, chosen, top_cov, ranked


def decide(engine: Engine, text: str) -> Decision:
    """Apply the answering rules to a question; pure apart from reading the index."""
    qa = engine.analyze(text)
    answered, chosen, confidence, ranked = _choose(engine, qa)
    uncovered = engine.out_of_scope_terms(text)
    if answered and uncovered and not (engine.names_subject(chosen[0][0], uncovered)
                                       and engine.names_public_sector(text, uncovered)):
        # a subject we do not cover (a visa, a trademark) and a shared word matched; or an entry
        # covers it for public contracts (stamp duty on e-contracts) but the question is private
        answered = False
    whole = confidence >= FULL_COVERAGE and not any(c.label in engine.generic_synonyms for c in qa.concepts)
    if answered and not whole and not engine.names_domain(qa, uncovered):
        # "Can a foreigner purchase property?": shared words, nothing of procurement. An entry
        # that covers every word of the question is evidence enough ("What is a preliminary
        # market consultation?", 「中間前払金を請求できる条件は?」 name no listed word), unless one of
        # its words is a generic synonym: that is what off-topic questions share with entries
        # ("What types of corporate seals does a foreign-owned company need?").
        answered = False
    scores: dict = {entry_id: round(final, 4) for entry_id, final, _, _ in ranked}
    answer_ids = [entry_id for entry_id, _ in chosen] if answered else []
    glossary_terms = [qa.glossary_term] if qa.glossary_term else []
    parts = question_parts(text) if answered else [text]
    if len(parts) > 1:
        # Each part's best answer leads, in the order asked; then the whole question's answers.
        # Only for a question answered as a whole: a part of an off-topic question ("… and what
        # should the employment contract say?") must not make it look answered.
        firsts = []
        for part in parts:
            part_qa = engine.analyze(part)
            content = [c for c in part_qa.concepts if not c.low_weight]
            if len(content) < 2 and not any(c.curated for c in content):
                continue   # a fragment ("不要?", "and where?") is not a question of its own
            part_answered, part_chosen, part_confidence, _ = _choose(engine, part_qa)
            if part_qa.glossary_term and part_qa.glossary_term not in glossary_terms:
                glossary_terms.append(part_qa.glossary_term)
            if part_answered:
                entry_id, final = part_chosen[0]
                # Its score stays what it scores for the whole question when it has one: a follow-up
                # part ("… and what do they charge?") must not outrank the answer to the main question.
                scores.setdefault(entry_id, round(final, 4))
                confidence = max(confidence, part_confidence)
                if entry_id not in firsts:
                    firsts.append(entry_id)
        if firsts:
            answer_ids = (firsts + [e for e in answer_ids if e not in firsts])[:MAX_ANSWERS]
    centre = None
    if qa.prefecture and not uncovered and (qa.desk_intent or not qa.concepts):
        centre = qa.prefecture
        answered = True
        desk_entry = "kankouju-consultancy-desks"
        if desk_entry in engine.entries and desk_entry not in answer_ids:
            answer_ids = [desk_entry, *answer_ids][:MAX_ANSWERS - 1]
            scores.setdefault(desk_entry, round(COVERAGE_SHARE * engine.coverage(qa, desk_entry), 4))
    for term in glossary_terms:
        linked = term.get("entry")
        if linked in engine.entries and linked not in answer_ids:
            answered = True
            answer_ids = [linked, *answer_ids][:MAX_ANSWERS]
            scores.setdefault(linked, round(COVERAGE_SHARE * engine.coverage(qa, linked), 4))
    if glossary_terms:
        answered = True
    related: list = []
    if answer_ids:
        for rel in engine.entries[answer_ids[0]].get("related", []):
            if rel in engine.entries and rel not in answer_ids and rel not in related:
                related.append(rel)
    for entry_id, _, cov, _ in ranked:
        if len(related) >= 5:
            break
        if entry_id not in answer_ids and entry_id not in related and cov > 0.2:
            related.append(entry_id)
    answer_ids = answer_ids if answered else []
    return Decision(answered=answered, confidence=round(confidence, 4), answer_ids=answer_ids,
                    related_ids=related[:5], analysis=qa, centre=centre, glossary_terms=glossary_terms,
                    scores={e: scores.get(e, 0.0) for e in answer_ids})
