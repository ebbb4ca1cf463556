"""Suggestions while typing: entry titles that fit what has been typed so far.

Pure: built from an engine's entries (titles, paraphrased questions and keywords in both
languages) and kept per index generation. What matches:
- English words, the last one as a prefix (the user is still typing it): "regis" → register;
- romaji with or without long vowels ("keishin yuukou", "kankoju"), against the readings of the
  Japanese texts (folded like the index: textanalysis.fold_romaji);
- Japanese: kanji or kana substrings of titles and questions (a kana query also against the
  katakana readings, so けいしん finds 経審), parts separated by spaces in any order;
- typos in words of four letters or more (rapidfuzz ratio ≥ 80: "keishn", "marketplase").
A query that matches nothing gives no suggestion; the ask button still answers it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from .textanalysis import (
    fold_romaji,
    has_japanese,
    is_kana_only,
    kana_to_romaji,
    latin_words,
    morphs,
    normalize,
    reading,
    to_katakana,
)

MAX_SUGGESTIONS = 8
MAX_QUERY_CHARS = 100
FUZZY_CUTOFF = 80
# Words that never decide which entry is meant (on top of the engine's light words).
STOP_WORDS = frozenset({"a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "is", "are", "was", "be",
    "do", "does", "i", "my", "we", "our", "it", "its", "how", "what", "when", "where", "which", "who", "why",
    "can", "with", "by", "from", "as", "at", "this", "that", "there", "their", "your", "you", "me", "about",
    "into", "than", "then"})
_JA_PUNCT = re.compile(r"[\s　？?！!。、，,．.・「」『』（）()〜~：:；;]+")


def _ja_compact(text: str) -> str:
    return _JA_PUNCT.sub("", normalize(text))


@dataclass
class _Doc:
    id: str
    topic: str
    title: dict
    ja_text: str = ""          # Japanese titles, questions and keywords, punctuation and spaces removed
    kana_text: str = ""        # their katakana readings
    ja_title: str = ""
    kana_title: str = ""
    title_words: set = field(default_factory=set)   # English and folded romaji words of the titles


class Suggester:
    def __init__(self, entries: dict, light_words: frozenset = frozenset()):
        self.stop = STOP_WORDS | set(light_words)
        self.docs: dict[str, _Doc] = {}
        self.english: dict[str, set] = {}   # English word → entry ids
        self.romaji: dict[str, set] = {}    # folded romaji word → entry ids
        for entry_id, entry in entries.items():
            doc = _Doc(entry_id, entry.get("topic", ""), entry["title"])
            ja_texts = [entry["title"]["ja"], *entry["questions"].get("ja", []), *entry["keywords"].get("ja", [])]
            en_texts = [entry["title"]["en"], *entry["questions"].get("en", []), *entry["keywords"].get("en", [])]
            doc.ja_text = "\n".join(_ja_compact(t) for t in ja_texts)
            doc.kana_text = "\n".join(_ja_compact(reading(t)) for t in ja_texts)
            doc.ja_title = _ja_compact(entry["title"]["ja"])
            doc.kana_title = _ja_compact(reading(entry["title"]["ja"]))
            for i, text in enumerate(en_texts):
                for word in latin_words(text):
                    self.english.setdefault(word, set()).add(entry_id)
                    self.romaji.setdefault(fold_romaji(word), set()).add(entry_id)   # romaji typed in questions
                    if i == 0:
                        doc.title_words.update((word, fold_romaji(word)))
            for i, text in enumerate(ja_texts):
                for word in self._romaji_words(text):
                    self.romaji.setdefault(word, set()).add(entry_id)
                    if i == 0:
                        doc.title_words.add(word)
            self.docs[entry_id] = doc
        self.english_words = sorted(self.english)
        self.romaji_words = sorted(self.romaji)

    @staticmethod
    def _romaji_words(text: str) -> list[str]:
        """Folded romaji of each Japanese word (and of adjacent pairs: "yukokikan")."""
        words, previous = [], ""
        for m in morphs(normalize(text)):
            if not has_japanese(m.surface):
                previous = ""
                continue
            r = kana_to_romaji(m.reading or to_katakana(m.surface))
            if len(r) > 1:
                words.append(r)
                if previous:
                    words.append(previous + r)
                previous = r
        return words

    # ------------------------------------------------------------ matching

    def _word_matches(self, word: str, last: bool) -> dict:
        """Entry id → how well one typed word matches it (1 exact, less for a prefix or a typo)."""
        found: dict[str, float] = {}

        def give(ids, quality):
            for entry_id in ids:
                if found.get(entry_id, 0.0) < quality:
                    found[entry_id] = quality

        folded = fold_romaji(word)
        give(self.english.get(word, ()), 1.0)
        if len(folded) >= 3:   # "ke", "ka": too many Japanese words read so
            give(self.romaji.get(folded, ()), 1.0)
        if last or len(word) >= 4:   # a word still being typed, or a long stem ("procur" → procurement)
            for vocabulary, key, table in ((self.english_words, word, self.english),
                                           (self.romaji_words, folded, self.romaji)):
                if len(key) < 2 or (table is self.romaji and len(key) < 3):
                    continue
                for candidate in vocabulary:
                    if candidate.startswith(key) and candidate != key:
                        give(table[candidate], 0.85)
        if len(word) >= 4:
            for vocabulary, key, table in ((self.english_words, word, self.english),
                                           (self.romaji_words, folded, self.romaji)):
                for candidate, score, _ in process.extract(key, vocabulary, scorer=fuzz.ratio,
                                                           score_cutoff=FUZZY_CUTOFF, limit=12):
                    give(table[candidate], 0.5 + 0.4 * (score - FUZZY_CUTOFF) / (100 - FUZZY_CUTOFF))
                if last and len(key) >= 5:   # a typo in a word still being typed: compare with its start
                    for candidate, _score, _ in process.extract(key, vocabulary, scorer=_prefix_ratio,
                                                                score_cutoff=85, limit=12):
                        give(table[candidate], 0.55)
        return found

    @staticmethod
    def _in_title(doc: _Doc, word: str, last: bool) -> bool:
        folded = fold_romaji(word)
        if word in doc.title_words or folded in doc.title_words:
            return True
        return last and any(t.startswith((word, folded)) for t in doc.title_words)

    def _latin(self, text: str, still_typing: bool = True) -> dict:
        words = latin_words(text)
        if not words:
            return {}
        content = [(w, i == len(words) - 1 and still_typing) for i, w in enumerate(words) if w not in self.stop]
        if not content:   # "how do" alone: wait for a word that means something
            return {}
        per_word = [self._word_matches(w, last) for w, last in content]
        allowed_misses = 1 if len(content) >= 3 else 0
        scores: dict[str, float] = {}
        for entry_id in set().union(*per_word):
            qualities = [m.get(entry_id, 0.0) for m in per_word]
            if sum(1 for q in qualities if q == 0.0) > allowed_misses:
                continue
            doc = self.docs[entry_id]
            in_title = sum(1 for (w, last), q in zip(content, qualities, strict=True)
                           if q and self._in_title(doc, w, last))
            scores[entry_id] = (sum(qualities) / len(content) + 0.2 * in_title / len(content)
                                + (0.05 if entry_id.endswith("-what-is") else 0.0))   # the definition first
        return scores

    def _japanese(self, text: str) -> dict:
        parts = [_ja_compact(re.sub(r"[a-z0-9]+", " ", p)) for p in normalize(text).split()]   # Latin: see _latin
        parts = [p for p in parts if p]
        if not parts:
            return {}
        kana = [to_katakana(p) if is_kana_only(p) else "" for p in parts]
        scores: dict[str, float] = {}
        for entry_id, doc in self.docs.items():
            score = 0.0
            for part, katakana in zip(parts, kana, strict=True):
                if part in doc.ja_title or (katakana and katakana in doc.kana_title):
                    score += 1.2
                elif part in doc.ja_text or (katakana and katakana in doc.kana_text):
                    score += 1.0
                else:
                    score = -1.0
                    break
            if score > 0:
                scores[entry_id] = score / len(parts)
        if scores or len("".join(parts)) < 3:
            return scores
        # Nothing contains it as typed: the share of its character pairs found in a title or question.
        query = "".join(parts)
        pairs = {query[i:i + 2] for i in range(len(query) - 1)}
        for entry_id, doc in self.docs.items():
            share = sum(1 for p in pairs if p in doc.ja_text) / len(pairs)
            if share >= 0.6:
                scores[entry_id] = share * 0.8
        return scores

    def suggest(self, query: str, lang: str, limit: int = MAX_SUGGESTIONS) -> list[dict]:
        """Up to `limit` entries for what has been typed: [{id, title, url}], best first."""
        text = normalize(query)[:MAX_QUERY_CHARS]
        if len(text.replace(" ", "")) < 2 and not has_japanese(text):
            return []
        if has_japanese(text):
            scores = self._japanese(text)
            latin = " ".join(latin_words(text))
            if latin:   # "keishin の有効期間"
                for entry_id, score in self._latin(latin, still_typing=False).items():
                    if entry_id in scores:
                        scores[entry_id] += score
        else:
            scores = self._latin(text, still_typing=not query.endswith((" ", "?", ".", "\u3000")))
        ranked = sorted(scores, key=lambda e: (-scores[e], len(self.docs[e].title[lang]), e))
        return [{"id": e, "title": self.docs[e].title[lang], "url": f"/entry/{e}?lang={lang}"}
                for e in ranked[:limit]]


def _prefix_ratio(query: str, candidate: str, **kwargs) -> float:
    """How well `query` matches the start of `candidate` (for a word still being typed)."""
    return fuzz.ratio(query, candidate[:len(query)], **kwargs)


_cache: dict[str, Suggester] = {}
_lock = threading.Lock()


def suggester_for(engine) -> Suggester:
    """The suggester of this engine's index generation, built once (about a quarter of a second)."""
    suggester = _cache.get(engine.generation)
    if suggester is None:
        with _lock:
            suggester = _cache.get(engine.generation)
            if suggester is None:
                suggester = Suggester(engine.entries, getattr(engine, "light_en", frozenset()))
                for old in list(_cache)[:-1]:   # keep this one and the one before
                    del _cache[old]
                _cache[engine.generation] = suggester
    return suggester


def suggest(engine, query: str, lang: str, limit: int = MAX_SUGGESTIONS) -> list[dict]:
    return suggester_for(engine).suggest(query, lang, limit)
