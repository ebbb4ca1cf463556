"""Answering a question: from the user's words to ranked, sourced answers or an honest "no".

How a question is read:
1. The text is normalised (NFKC, lower case) and its script detected.
2. Synonym phrases (synonyms.yaml) are found first and become one *concept* each, matched by any
   of their variants in any language; a prefecture name is set aside for the desk finder.
3. The rest becomes one concept per content word: an English word is matched by its stem in the
   English fields or by its folded romaji in the romaji field; a Japanese word by its Sudachi
   normalized form, its sub-words or its character bigrams; a kana-only chunk by its reading.
   A Latin word found nowhere in the knowledge base is corrected to the nearest known word
   (that correction is the did-you-mean).
4. Whoosh ranks entries with an OR query over all concept forms (BM25F, field boosts). User
   text never goes through a query parser, so `AND`, `(`, `*`
   or `field:` are plain words.
5. Each candidate gets a *coverage*: the share of the question's concepts it contains, each
   concept weighted by how rare it is in the knowledge base (unknown words weigh most, question
   words least). The final rank mixes coverage and the normalised BM25F score, so an entry that
   matches more of the question ranks higher (the bonus for matching more terms).

The decision (answer or not, which entries, question parts, uncovered subjects) is made in
deciding.py from what this module computes.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from .directories import PrefectureMatcher
from .indexing import EN_FIELDS, FIELD_BOOSTS, JA_FIELDS, RECALL_FIELDS, SET_GROUPS
from .knowledge import entry_text
from .spelling import Corrector, english_words
from .textanalysis import (
    bigrams,
    en_stem,
    fold_latin,
    fold_romaji,
    has_japanese,
    is_kana_only,
    kana_to_romaji,
    latin_words,
    morphs,
    normalize,
    to_katakana,
)

COVERAGE_SHARE = 0.7          # final rank = 0.7 · coverage + 0.3 · (BM25F / best BM25F) ** BM25_POWER
BM25_POWER = 1.0
# An entry of a specific topic (keishin, kankouju, ...) whose topic the question does not name
# ranks at TOPIC_PRIOR of its score: "Are government tenders available on other third party web
# sites?" asks about tender notices in general, not about the kankouju portal. A question names a topic when one of
# its curated domain terms is found (in full) in entries of that topic NAMING_LIFT times more
# often than the topic's share of all entries. When the question names another specific topic
# the evidence is stronger ("How often must the business evaluation be renewed?" names keishin,
# not the ISMAP audit cycle), and the factor is TOPIC_PRIOR_OTHER, for general entries too: a
# question naming the kankouju portal asks what the portal does before where tenders appear.
TOPIC_PRIOR = 0.95
TOPIC_PRIOR_OTHER = 0.9
NAMING_LIFT = 2.0
NAMING_MIN = 2               # ... in at least this many of its entries (one entry is chance)
GENERAL_TOPIC = "general"
LOW_WEIGHT = 0.25             # weight factor for question words ("what", "how", "tell me")
MAX_QUERY_CHARS = 500
LONG_QUESTION = 6             # content concepts from which a question counts as long
UNKNOWN_WEIGHT = 0.5          # weight factor for words no entry contains

# Light words (how one asks, not what about) come from knowledge/light_words.yaml: see Engine.light.
DESK_WORDS_EN = {"help", "desk", "centre", "center", "centres", "centers", "consult", "consultancy",
                 "consultation", "contact", "advice", "advisor", "adviser", "support", "office", "phone",
                 "soudan", "sodan", "madoguchi", "chuokai", "sentaa", "helpdesk"}
DESK_WORDS_JA = ("相談", "窓口", "センター", "中央会", "問い合わせ", "問合せ", "連絡", "電話", "支援", "どこ")
# Where each kind of alternative is looked for: the term sets of indexing.SET_GROUPS and the
# recall helpers (RECALL_FIELDS). A term found only in the answer text (the *_body groups) earns
# BODY_CREDIT of a match in the questions, title or keywords. BM25F scores the word fields only.
QUERY_FIELDS = {**SET_GROUPS, "en": EN_FIELDS, "ja": JA_FIELDS}
RECALL_GROUPS = set(RECALL_FIELDS)
BODY_GROUPS = {"en": "en_body", "ja": "ja_body", "romaji": "romaji_body"}
BODY_CREDIT = 0.6
QUESTION_TAIL_JA = re.compile(
    r"(とは(何|なん)?(ですか|でしょうか)?|って何|について(教えて)?|は(何|なん)(ですか)?"
    r"|(ですか|でしょうか|を教えて(ください)?|教えて(ください)?))$"
)


@dataclass(frozen=True)
class Alternative:
    """One way a concept can be found in an entry: all `terms` in the field group, or a
    fraction of them (`partial`), giving `credit` (0..1)."""

    group: str
    terms: tuple
    credit: float = 1.0
    partial: bool = False
    min_fraction: float = 0.5


@dataclass
class Concept:
    label: str
    alternatives: list
    low_weight: bool = False
    weight: float = 1.0
    size: int = 1             # words the user typed for it: a phrase carries more of the question
    curated: bool = False     # a domain term from synonyms.yaml (keishin, DMP, official gazette ...)
    group: int | None = None  # its synonyms.yaml group (two groups may share a label)
    credits: dict = field(default_factory=dict)   # entry id → credit (0..1), filled by Engine._weigh


@dataclass
class QueryAnalysis:
    text: str
    lang: str
    concepts: list = field(default_factory=list)
    corrections: dict = field(default_factory=dict)
    prefecture: dict | None = None
    desk_intent: bool = False
    glossary_term: dict | None = None

    @property
    def is_long(self) -> bool:
        """A question with many content words: the asker tells their situation, too."""
        return sum(1 for c in self.concepts if not c.low_weight) >= LONG_QUESTION

    @property
    def did_you_mean(self):
        if not self.corrections:
            return None
        words = self.text.split()
        return " ".join(self.corrections.get(re.sub(r"\W", "", w.lower()), w) for w in words)


_HIRAGANA_ONLY = re.compile(r"[\u3040-\u309f\u30fc\W\d_a-z]*")


def _has_phrase(stems: list, phrases) -> bool:
    """Does the run of stems contain one of the stem tuples, in order and adjacent?"""
    return any(tuple(stems[i:i + len(phrase)]) == phrase
               for phrase in phrases for i in range(len(stems) - len(phrase) + 1))


def _without_subjects(text: str, subjects) -> tuple[str, list]:
    """The question's normalized text without its out-of-scope subjects, and its Latin words
    without every run of an English one: the words inside a subject name nothing else
    ("public" in "public holidays", 入札 in 競売の入札)."""
    q = normalize(text)
    for subject in subjects:
        if not subject.isascii():
            q = q.replace(subject, " ")
    words = latin_words(q)
    for subject in subjects:
        if subject.isascii():
            q = re.sub(rf"\b{re.escape(subject)}\b", " ", q)
            run = subject.split()
            n = len(run)
            i = 0
            while i <= len(words) - n:
                if words[i:i + n] == run:
                    del words[i:i + n]
                else:
                    i += 1
    return q, words


def _normalized(words) -> tuple:
    """A word list from knowledge/ as the questions are compared: normalized, empty items left out."""
    return tuple(n for n in (normalize(w) for w in words) if n)


def _singular(word: str) -> str:
    """An English plural's singular ("goals" → goal, "agencies" → agency); other words unchanged."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class Engine:
    """Everything needed to answer from one index generation (immutable once built)."""

    def __init__(self, data: dict, vectors, generation: str):
        self.data = data
        self.vectors = vectors   # TermVectors: BM25F postings and term sets (helpdesk/vectors.py)
        self.generation = generation
        self.entries = data["entries"]
        self._load_term_sets()
        light = data.get("light_words") or {}
        self.light_en = frozenset(light.get("en", ()))
        self.light_romaji = frozenset(fold_romaji(w) for w in light.get("romaji", ()))
        self.light_ja = frozenset(light.get("ja", ()))
        self._prepare_synonyms()
        self._prepare_out_of_scope()
        self._prepare_domain_words()
        self._prepare_prefectures()
        self._prepare_glossary()

    # ------------------------------------------------------------ preparation

    def _load_term_sets(self):
        """The vocabulary the analysis needs: known stems and romaji, and the English words of the
        knowledge base (spelling). Term → entries sets stay in the vectors, built as asked."""
        self.n_docs = max(1, len(self.entries))
        self.topic_of = {entry_id: entry["topic"] for entry_id, entry in self.entries.items()}
        self.topic_share = {topic: n / self.n_docs for topic, n in Counter(self.topic_of.values()).items()}
        self._named_by_group: dict = {}   # synonym group index → topics it names (see named_topics)
        vocabulary = set()
        for entry in self.entries.values():
            texts = [entry["title"]["en"], *entry["questions"]["en"], *entry["keywords"]["en"], entry["answer"]["en"]]
            vocabulary.update(w for w in latin_words(" ".join(texts)) if len(w) >= 4 and w.isalpha())
        self.vocabulary_words = vocabulary
        self.known_stems = set(self.vectors.terms("en")) | set(self.vectors.terms("en_body"))
        self.known_romaji = set(self.vectors.terms("romaji"))

    def _prepare_synonyms(self):
        self.latin_synonyms = []   # (folded word tuple, group index)
        self.ja_synonyms = []      # (normalized string, group index)
        self.synonym_alternatives = []
        for gi, group in enumerate(self.data.get("synonyms", [])):
            alternatives = []
            for variant in group:
                v = normalize(variant)
                if has_japanese(v):
                    self.ja_synonyms.append((v, gi))
                    norms = tuple(m.norm for m in morphs(v) if m.content)
                    if norms:
                        alternatives.append(Alternative("ja", norms))
                    if is_kana_only(v):
                        alternatives.append(Alternative("romaji", (kana_to_romaji(to_katakana(v.replace(" ", ""))),)))
                else:
                    words = tuple(fold_romaji(w) for w in latin_words(v))
                    if words:
                        self.latin_synonyms.append((words, gi))
                    stems = tuple(s for s in (en_stem(w) for w in latin_words(v)) if s)
                    if stems:
                        alternatives.append(Alternative("en", stems))
                    if words:
                        alternatives.append(Alternative("romaji", words))
                        if len(words) > 1:
                            alternatives.append(Alternative("romaji", ("".join(words),)))
            self.synonym_alternatives.append((group[0], alternatives))
        self.latin_synonyms.sort(key=lambda item: -len(item[0]))
        # Variants by their first word (positions in the longest-first order), so a question only
        # tries the variants that can start at one of its words.
        self.latin_synonyms_by_first: dict = {}
        for position, (variant_words, _gi) in enumerate(self.latin_synonyms):
            self.latin_synonyms_by_first.setdefault(variant_words[0], []).append(position)
        self.synonym_words = {w for g in self.data.get("synonyms", []) for v in g for w in latin_words(v)}
        self.ja_synonyms.sort(key=lambda item: -len(item[0]))

    def _prepare_out_of_scope(self):
        """Subjects not covered (knowledge/out_of_scope.yaml)."""
        scope = self.data.get("out_of_scope") or {}
        self.out_of_scope_en = [tuple(latin_words(p)) for p in scope.get("en", ()) if latin_words(p)]
        self.out_of_scope_ja = _normalized(scope.get("ja", ()))

    def out_of_scope_terms(self, text: str) -> list:
        """The uncovered subjects a question names ("visa", "収入印紙")."""
        q = normalize(text)
        words = latin_words(q)
        present = set(words)
        found = [" ".join(p) for p in self.out_of_scope_en if p[0] in present and _has_phrase(words, (p,))]
        return found + [p for p in self.out_of_scope_ja if p in q]

    def _prepare_domain_words(self):
        """Procurement words (knowledge/domain_words.yaml) as stems (one-word items) and stem
        tuples (phrases), and the synonym groups that do not count as naming the domain."""
        domain = self.data.get("domain_words") or {}
        phrases = {tuple(en_stem(w) for w in latin_words(p)) for p in domain.get("en", ())}
        self.domain_stems = frozenset(p[0] for p in phrases if len(p) == 1)
        self.domain_phrases = [p for p in phrases if len(p) > 1]
        self.domain_ja = _normalized(domain.get("ja", ()))
        self.generic_synonyms = frozenset(domain.get("generic_synonyms", ()))
        self.public_stems = [tuple(en_stem(w) for w in latin_words(p)) for p in domain.get("public_en", ())]
        self.public_ja = _normalized(domain.get("public_ja", ()))
        self.not_public_ja = _normalized(domain.get("not_public_ja", ()))

    def speaks_english(self, text: str) -> bool:
        """A Latin-script question whose content words are mostly English (not romaji)."""
        if has_japanese(text):
            return False
        words = [w for w in latin_words(text) if w not in self.light_en and not w.isdigit()]
        known = english_words()
        return bool(words) and sum(w in known for w in words) * 2 >= len(words)

    def names_domain(self, qa: QueryAnalysis, uncovered: list | None = None) -> bool:
        """Does the question name anything of public procurement (see domain_words.yaml)? Romaji
        and hiragana-only questions are not checked: typed out, few of their words can be told apart.
        `uncovered`: the question's out-of-scope subjects, if already known; their words do not
        count ("public" in "public holidays", 入札 in 競売の入札)."""
        if any(c.curated and c.label not in self.generic_synonyms for c in qa.concepts):
            return True
        japanese = has_japanese(qa.text)
        if japanese and (not self.domain_ja or _HIRAGANA_ONLY.fullmatch(normalize(qa.text))):
            return True   # typed out in hiragana like romaji ("でじたるまーけっとぷれいす")
        if not japanese and (not (self.domain_stems or self.domain_phrases) or not self.speaks_english(qa.text)):
            return True
        subjects = self.out_of_scope_terms(qa.text) if uncovered is None else uncovered
        q, words = self._without_subjects(qa.text, subjects)
        if japanese and any(word in q for word in self.domain_ja):
            return True
        # English words by stem; hyphenated words count whole and by their parts ("pre-bid" names a bid).
        stems = [en_stem(w) for w in words]
        if any(s in self.domain_stems for s in stems) or any(
                en_stem(part) in self.domain_stems for w in words if "-" in w for part in w.split("-")):
            return True
        return _has_phrase(stems, self.domain_phrases)

    def names_public_sector(self, text: str, uncovered: list = ()) -> bool:
        """Does the question tie itself to the public sector (a tender, a ministry, 市, 入札 …)?
        Asked only when it names an out-of-scope subject an entry covers for public contracts:
        a revenue stamp on a city's e-contract is ours, one on a contract with a client is not.
        The subject's own words do not count ("public" in "public holidays").
        With no `public_en`/`public_ja` lists every question passes."""
        if not (self.public_stems or self.public_ja):
            return True
        q, words = self._without_subjects(text, uncovered)
        if any(word in q for word in self.public_ja):
            return True
        # hyphenated words count whole and by their parts ("e-bidding" names bidding)
        words = [part for w in words for part in ([w, *w.split("-")] if "-" in w else [w])]
        return _has_phrase([en_stem(w) for w in words], self.public_stems)

    def _without_subjects(self, text: str, subjects) -> tuple[str, list]:
        """`text` without its out-of-scope subjects and the words that only look public (市場 is a
        market, not a city): what the domain and public-sector checks read."""
        return _without_subjects(text, [*subjects, *self.not_public_ja])

    def names_subject(self, entry_id: str, terms: list) -> bool:
        """Is the entry about every uncovered subject the question names? ("auction" alone is not
        enough for a question about a used-car auction.) Its title, questions and keywords say what
        it is about; a subject its answer text mentions in passing (the e-bidding service hours
        leave out public holidays) does not make a holiday question one for it."""
        entry = self.entries.get(entry_id)
        if entry is None:
            return False
        # Built when asked (rare: only for a question naming such a subject), not for every entry at load.
        no_answer = {"en": "", "ja": ""}
        text = normalize(entry_text(entry["title"], no_answer, entry["questions"], entry["keywords"]))
        return all((re.search(rf"\b{re.escape(t)}\b", text) if t.isascii() else t in text) for t in terms)

    def _prepare_prefectures(self):
        self.prefectures = PrefectureMatcher(self.data.get("centres", {}).get("centres", []))
        protected = self.synonym_words | self.light_romaji | set(self.prefectures.latin) | self.known_romaji
        self.corrector = Corrector(self.vocabulary_words, protected)

    def _prepare_glossary(self):
        self.glossary_keys: dict[str, dict] = {}
        for term in self.data.get("glossary", []):
            for key in (term.get("ja"), term.get("kana"), term.get("en")):
                if key:
                    for part in re.split(r"\s*[/／]\s*|\s*[（(][^)）]*[)）]\s*", str(key)):
                        if part.strip():
                            self.glossary_keys.setdefault(normalize(part), term)
            if term.get("romaji"):
                self.glossary_keys.setdefault(" ".join(fold_romaji(w) for w in latin_words(term["romaji"])), term)

    # ------------------------------------------------------------ query analysis

    def analyze(self, text: str) -> QueryAnalysis:
        q = fold_latin(normalize(text))
        qa = QueryAnalysis(text=text.strip(), lang="ja" if has_japanese(q) else "en")
        qa.glossary_term = self._glossary_lookup(q)
        self._note_prefecture(q, qa)
        q = self._fix_spelling(q, qa)
        latin_rest, ja_spans = self._take_synonyms(q, qa)
        for word in latin_rest:
            concept = self._latin_concept(word, qa)
            if concept:
                qa.concepts.append(concept)
        for run in re.finditer(r"[^\x00-\x7f]+", q):
            qa.concepts.extend(self._japanese_concepts(run.group(), run.start(), ja_spans))
        if qa.prefecture:
            for c in qa.concepts:
                if not c.curated and self.prefectures.find(c.label) is qa.prefecture:   # not "GovTech Tokyo"
                    c.low_weight = True
            if all(c.low_weight for c in qa.concepts):
                qa.desk_intent = True   # a prefecture name alone: show its desk
        if qa.concepts and all(c.low_weight for c in qa.concepts):
            for c in qa.concepts:   # "who are you": the question words are all there is
                c.low_weight = False
        self._weigh(qa.concepts)
        return qa

    def _glossary_lookup(self, q: str):
        stripped = QUESTION_TAIL_JA.sub("", q).strip(" ?？。、!！")
        stripped = re.sub(r"^(what is|what's|what are|whats|define|meaning of)\s+(an?\s+|the\s+)?", "", stripped)
        stripped = stripped.strip(" ?？。!！")
        if stripped in self.glossary_keys:
            return self.glossary_keys[stripped]
        folded = " ".join(fold_romaji(w) for w in latin_words(stripped)) if not has_japanese(stripped) else None
        return self.glossary_keys.get(folded) if folded else None

    def _note_prefecture(self, q: str, qa: QueryAnalysis) -> None:
        """Note a prefecture for the desk finder; its name stays in the question (it may matter
        to an entry, e.g. Osaka's joint procurement) but as a light concept."""
        qa.prefecture = self.prefectures.find(q)
        lowered = set(latin_words(q))
        qa.desk_intent = bool(lowered & DESK_WORDS_EN) or any(w in q for w in DESK_WORDS_JA)

    def _take_synonyms(self, q: str, qa: QueryAnalysis) -> tuple[list, list]:
        """Synonym phrases become one concept each. Returns the Latin words left over and the
        character spans of q taken by Japanese synonyms (the Japanese text itself is kept whole,
        so that Sudachi still sees the particles around a synonym as particles)."""
        found = []
        spans: list = []
        for variant, gi in self.ja_synonyms:
            start = q.find(variant)
            while start >= 0:
                end = start + len(variant)
                if not any(s < end and start < e for s, e in spans):
                    spans.append((start, end))
                    found.append((gi, sum(1 for m in morphs(variant) if m.content)))
                start = q.find(variant, end)
        words = latin_words(re.sub(r"[^\x00-\x7f]+", " ", q))
        folded = [fold_romaji(w) for w in words]
        # A plural finds its group too ("goals" → goal, "set-asides" → set-aside): groups list
        # the forms staff thought of, users type the others.
        singular = [_singular(w) for w in folded]
        consumed = [False] * len(words)
        positions = sorted({p for w in set(folded) | set(singular) for p in self.latin_synonyms_by_first.get(w, ())})
        for variant_words, gi in (self.latin_synonyms[p] for p in positions):
            n = len(variant_words)
            for i in range(len(folded) - n + 1):
                if not any(consumed[i:i + n]) and all(
                        folded[i + k] == v or singular[i + k] == v for k, v in enumerate(variant_words)):
                    found.append((gi, n))
                    for k in range(i, i + n):
                        consumed[k] = True
        sizes: dict = {}
        for gi, size in found:
            sizes[gi] = max(sizes.get(gi, 0), size)
        for gi, size in sizes.items():
            label, alternatives = self.synonym_alternatives[gi]
            qa.concepts.append(Concept(label=label, alternatives=alternatives, size=max(1, size), curated=True,
                                       group=gi))
        return [w for w, c in zip(words, consumed, strict=True) if not c], spans

    def _latin_concept(self, word: str, qa: QueryAnalysis):
        stem = en_stem(word)
        folded = fold_romaji(word)
        low = word in self.light_en or word.isdigit() or folded in self.light_romaji
        if not stem:
            return None          # an English stop word ("the", "of", "is")
        alternatives = []
        if stem:
            alternatives.append(Alternative("en", (stem,)))
        if folded and len(folded) > 1:
            alternatives.append(Alternative("romaji", (folded,)))
        if not alternatives:
            return None
        return Concept(label=word, alternatives=alternatives, low_weight=low)

    def _fix_spelling(self, q: str, qa: QueryAnalysis) -> str:
        """Before synonyms are looked for: join a domain compound typed as two words ("market
        place") and correct words unknown to English and to the knowledge base ("digtal" →
        digital). The query is rewritten only when the typo matches nothing in the index (so
        nothing of what the user typed is lost); otherwise the correction is only suggested."""
        latin = re.sub(r"[^\x00-\x7f]+", " ", q)
        words = latin_words(latin)
        for first, second in zip(words, words[1:], strict=False):
            if first + second in self.synonym_words:
                q = re.sub(rf"\b{re.escape(first)}\s+{re.escape(second)}\b", first + second, q, count=1)
        for word in latin_words(re.sub(r"[^\x00-\x7f]+", " ", q)):
            if word in qa.corrections or word in self.light_en or not self.corrector.is_candidate(word):
                continue
            correction = self.corrector.correct(word)
            if not correction:
                continue
            qa.corrections[word] = correction
            if self._unknown(word):
                q = re.sub(rf"\b{re.escape(word)}\b", correction, q)
        return q

    def _unknown(self, word: str) -> bool:
        """Found nowhere in the index, neither by its stem nor by its romaji."""
        folded = fold_romaji(word)
        stem = en_stem(word)
        return bool(stem) and stem not in self.known_stems and folded not in self.known_romaji

    def _japanese_concepts(self, run: str, offset: int, taken: list) -> list:
        """Concepts of one run of Japanese text, leaving out what synonyms already took."""
        def is_taken(begin, end):
            return any(s < end + offset and begin + offset < e for s, e in taken)

        free = "".join(ch for i, ch in enumerate(run) if not is_taken(i, i + 1))
        if is_kana_only(free) and re.search(r"[\u3041-\u3096]", free):
            # Kana-only input: Sudachi cannot segment it reliably, so match its reading instead.
            rest = QUESTION_TAIL_JA.sub("", free.strip())
            rest = re.sub(r"^[のはがをにでともへや]+|[のはがをにでともへやかね]+$", "", rest).strip()
            if len(rest.replace(" ", "")) < 2 or not any(m.content for m in morphs(rest)):
                return []
            kata = to_katakana(rest)
            alternatives = [Alternative("reading", tuple(bigrams(kata)), partial=True, min_fraction=0.6),
                            Alternative("romaji", (kana_to_romaji(kata.replace(" ", "")),))]
            return [Concept(label=rest, alternatives=alternatives)]
        concepts = []
        for m in morphs(run):
            if not m.content or is_taken(m.begin, m.end):
                continue
            alternatives = [Alternative("ja", (m.norm,))]
            if m.surface != m.norm:
                alternatives.append(Alternative("ja", (m.surface,)))
            if len(m.subs) > 1:
                alternatives.append(Alternative("ja", m.subs, credit=0.8, partial=True))
            if len(m.surface) >= 2:
                alternatives.append(Alternative("gram", tuple(bigrams(m.surface)), credit=0.6, partial=True,
                                                min_fraction=0.6))
            # Verbs, adjectives and adverbs say how one asks, nouns say what about.
            # "how to X" nouns (取り方, 使い方, やり方) and 方法 say how one asks, too.
            how_to = len(m.surface) >= 2 and m.surface.endswith("方") and is_kana_only(m.surface[-2])
            low = (m.pos in ("動詞", "形容詞", "副詞", "連体詞", "感動詞") or m.norm == "方法" or how_to
                   or m.surface in self.light_ja or m.norm in self.light_ja)
            concepts.append(Concept(label=m.surface, alternatives=alternatives, low_weight=low))
        return concepts

    def _weigh(self, concepts):
        """Weight each concept by its rarity in the knowledge base (inverse document frequency)."""
        for concept in concepts:
            concept.credits = self.concept_credits(concept)
            df = len(concept.credits)
            concept.weight = (math.log(1 + self.n_docs / (1 + df)) * (LOW_WEIGHT if concept.low_weight else 1.0)
                              * (1 + 0.5 * (min(concept.size, 3) - 1)))
        # Words the knowledge base has never seen say little about which entry is meant: the
        # asker's situation ("a small printing company near Lyon") or an everyday phrase ("入札成功
        # のカギ"). Rarity alone would make them the heaviest words of the question.
        for c in concepts:
            if not c.credits and not c.low_weight:
                c.weight *= UNKNOWN_WEIGHT

    # ------------------------------------------------------------ matching and ranking

    def concept_credits(self, concept: Concept) -> dict:
        """Credit (0..1) of every entry that contains the concept, from the inverted term sets.

        An alternative found only in an entry's answer text (the *_body group) earns BODY_CREDIT
        of what it earns in the questions, title or keywords; the best alternative counts.
        """
        credits: dict = {}
        get = credits.get
        entries = self.vectors.entries
        for alt in concept.alternatives:
            for group, factor in ((alt.group, 1.0), (BODY_GROUPS.get(alt.group), BODY_CREDIT)):
                if not alt.terms or not group:
                    continue
                if alt.partial:
                    hits: dict = {}
                    for term in alt.terms:
                        for entry_id in entries(group, term):
                            hits[entry_id] = hits.get(entry_id, 0) + 1
                    n = len(alt.terms)
                    for entry_id, count in hits.items():
                        fraction = count / n
                        if fraction >= alt.min_fraction:
                            credit = factor * alt.credit * fraction
                            if credit > get(entry_id, 0.0):
                                credits[entry_id] = credit
                else:
                    credit = factor * alt.credit
                    found = frozenset.intersection(*(entries(group, t) for t in alt.terms))
                    if not credits and credit > 0.0:
                        credits.update(dict.fromkeys(found, credit))    # the first alternative: all new
                        continue
                    for entry_id in found:
                        if credit > get(entry_id, 0.0):
                            credits[entry_id] = credit
        return credits

    def anchored(self, qa: QueryAnalysis, entry_id: str) -> bool:
        """Does the entry contain, in full, a curated domain term that the question names?"""
        return any(c.curated and c.credits.get(entry_id, 0.0) >= 1.0 for c in qa.concepts)

    def coverage(self, qa: QueryAnalysis, entry_id: str) -> float:
        total = sum(c.weight for c in qa.concepts)
        if total <= 0:
            return 0.0
        return sum(c.weight * c.credits.get(entry_id, 0.0) for c in qa.concepts) / total

    def query_terms(self, qa: QueryAnalysis) -> list:
        """The (field, term, boost) triples whose BM25F scores add up to an entry's relevance.
        The recall fields (readings, character bigrams) take part through coverage only."""
        terms = []
        seen = set()
        for concept in qa.concepts:
            # A concept with many spellings (a synonym group) must not outweigh the others in BM25F
            # just because an entry repeats several of them: its terms share one concept's boost.
            share = 1.0 / math.sqrt(max(1, len(concept.alternatives)))
            for alt in concept.alternatives:
                if alt.group in RECALL_GROUPS:
                    continue
                for fieldname in QUERY_FIELDS[alt.group]:
                    for term in alt.terms:
                        key = (fieldname, term)
                        if key in seen or not self.vectors.has_scores(fieldname, term):
                            continue
                        seen.add(key)
                        terms.append((fieldname, term, FIELD_BOOSTS[fieldname] * alt.credit * share))
        return terms

    def bm25(self, qa: QueryAnalysis) -> dict:
        """entry id → BM25F relevance: Σ boost × Whoosh's BM25F score of each query term, the sum
        a Whoosh OR query computes, read from the postings scored at build (no search)."""
        totals = [0.0] * len(self.vectors.ids)
        touched: set = set()
        for fieldname, term, boost in self.query_terms(qa):
            docs, scores = self.vectors.scores(fieldname, term)
            touched.update(docs)
            for doc, score in zip(docs, scores, strict=False):   # equal lengths by construction
                totals[doc] += boost * score
        ids = self.vectors.ids
        return {ids[doc]: totals[doc] for doc in touched}

    def named_topics(self, qa: QueryAnalysis) -> set:
        """The specific topics a question names through its curated domain terms (see TOPIC_PRIOR)."""
        named = set()
        for c in qa.concepts:
            # A generic term (registration, fee, deadline: see domain_words.yaml) names no topic either.
            if c.curated and not c.low_weight and c.label not in self.generic_synonyms:
                named |= self._topics_named_by(c)
        return named

    def _topics_named_by(self, concept: Concept) -> frozenset:
        """A curated concept's credits depend only on its synonym group: computed once per group."""
        found = self._named_by_group.get(concept.group)
        if found is None:
            full = [self.topic_of[e] for e, credit in concept.credits.items() if credit >= 1.0]
            found = frozenset(topic for topic, n in Counter(full).items()
                              if topic != GENERAL_TOPIC and n >= NAMING_MIN
                              and n / len(full) >= NAMING_LIFT * self.topic_share[topic])
            self._named_by_group[concept.group] = found
        return found

    def rank(self, qa: QueryAnalysis, limit: int = 20) -> list:
        """The `limit` best candidates as (entry_id, final score, coverage, bm25), best first."""
        if not any(c.weight > 0 and not c.low_weight for c in qa.concepts):
            return []
        bm25_of = self.bm25(qa)
        # Coverage of every candidate at once: each concept adds its weight × credit.
        total = sum(c.weight for c in qa.concepts)
        covered: dict = dict.fromkeys(bm25_of, 0.0)
        get = covered.get
        for c in qa.concepts:
            weight = c.weight
            for entry_id, credit in c.credits.items():
                covered[entry_id] = get(entry_id, 0.0) + weight * credit
        if not covered:
            return []
        best_bm25 = max(bm25_of.values(), default=0.0) or 1.0
        share = 1 - COVERAGE_SHARE
        bm25_get = bm25_of.get
        named = self.named_topics(qa)
        if named:
            # the named topic's entries lead; general entries count as another topic's
            factor = {topic: 1.0 if topic in named else TOPIC_PRIOR_OTHER for topic in self.topic_share}
        else:
            factor = {topic: 1.0 if topic == GENERAL_TOPIC else TOPIC_PRIOR for topic in self.topic_share}
        topic_of = self.topic_of
        # (−score, id) pairs: the heap compares them in C, best score first, ties by id
        keyed = [(-(COVERAGE_SHARE * (weight / total if total > 0 else 0.0)
                    + share * (bm25_get(entry_id, 0.0) / best_bm25) ** BM25_POWER) * factor[topic_of[entry_id]],
                  entry_id)
                 for entry_id, weight in covered.items()]
        return [(entry_id, -negative, covered[entry_id] / total if total > 0 else 0.0, bm25_get(entry_id, 0.0))
                for negative, entry_id in heapq.nsmallest(limit, keyed)]
