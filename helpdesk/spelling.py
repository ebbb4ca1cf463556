"""Spelling: which Latin words are typos, and what the user probably meant.

A word is a typo candidate only when it is unknown to the language: not an English word (the
160,000-word list of pyspellchecker, built from large English corpora), not a word of the
knowledge base's own English or romaji, not a domain term. A correctly spelled word is never
replaced ("prevent" stays prevent, although "present" is one letter away and in the knowledge
base). A candidate is corrected only to a near knowledge-base word; a word shaped like romaji
("keisan" = 計算) may be Japanese the knowledge base does not hold, so only a one-edit
correction is taken for it ("kesihin" → keishin).
"""

from __future__ import annotations

import gzip
import json
import re
from functools import lru_cache
from importlib import resources

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .textanalysis import fold_romaji

# Hepburn and Kunrei syllables: a word made only of these could be Japanese typed in romaji.
_ROMAJI = re.compile(
    r"^(?:(?:ky|gy|sh|sy|ch|ty|j|zy|ny|hy|by|py|my|ry|ts|[kgsztdnhbpmyrwfv])?[aiueo]|n|(?<=[aiueo])[kstpgc](?=[kstpgc]))+$"
)


@lru_cache(maxsize=1)
def english_words() -> frozenset:
    """The English word list shipped with pyspellchecker (lower case, about 160,000 words)."""
    path = resources.files("spellchecker") / "resources" / "en.json.gz"
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as handle:
        return frozenset(json.load(handle))


# British spellings (EU visitors write them) of words the list holds in American spelling.
_BRITISH = [(r"ence$", "ense"), (r"our(s|ed|ing)?$", r"or\1"), (r"is(e|es|ed|ing|ation|ations)$", r"iz\1"),
            (r"ys(e|es|ed|ing)$", r"yz\1"), (r"tre(s)?$", r"ter\1"), (r"ogue(s)?$", r"og\1"),
            (r"ll(ed|ing|er|ers)$", r"l\1"), (r"mme(s)?$", r"m\1"), (r"ae", "e"), (r"oe", "e")]


def is_english_word(word: str) -> bool:
    """In the English word list, in the spelling given or its American equivalent."""
    words = english_words()
    if word in words:
        return True
    return any(re.search(pattern, word) and re.sub(pattern, repl, word) in words for pattern, repl in _BRITISH)


def looks_like_romaji(word: str) -> bool:
    """Could the word be Japanese in romaji (every part a kana syllable)? 'keisan', 'kesihin'."""
    return bool(_ROMAJI.match(word))


class Corrector:
    """Suggests knowledge-base words for typos; built once per index generation."""

    def __init__(self, vocabulary: set, protected: set):
        self.vocabulary = sorted(vocabulary)   # English words of the knowledge base (4+ letters)
        self.vocabulary_set = set(vocabulary)
        self.protected = protected             # words never treated as typos (domain terms, romaji function words)

    def is_candidate(self, word: str) -> bool:
        """A word nobody could mean as typed: unknown to English, to the knowledge base, to the domain."""
        if len(word) < 4 or not word.isalpha():
            return False
        if word in self.vocabulary_set or word in self.protected or fold_romaji(word) in self.protected:
            return False
        return not is_english_word(word)

    def correct(self, word: str) -> str | None:
        """The nearest knowledge-base word, or None when none is near enough to be meant."""
        limit = 1 if len(word) <= 7 or looks_like_romaji(word) else 2
        best = process.extractOne(word, self.vocabulary, scorer=OSA.distance, score_cutoff=limit)
        if best is None:
            folded = fold_romaji(word)
            best = process.extractOne(folded, self.vocabulary, scorer=OSA.distance, score_cutoff=limit)
        if best is None:
            return None
        correction = best[0]
        if correction.startswith(word) or word.startswith(correction):
            return None   # only an inflection ("evaluations")
        return correction
