"""Look-ups in the directories (consultancy desks, analysis agencies) and the glossary.

A prefecture can be typed in English, kanji with or without 都/府/県, kana or romaji with or
without long vowels ("Osaka", "大阪", "大阪府", "おおさか", "oosaka").
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from .textanalysis import fold_romaji, has_japanese, latin_words, normalize


def lookup_words(words: list, table: dict):
    """The value of the first one or two adjacent words, joined and romaji-folded, found in
    `table` ("hokkai do" or "osaka-fu" typed as two words); two-word names are tried first."""
    for size in (2, 1):
        for i in range(len(words) - size + 1):
            found = table.get(fold_romaji("".join(words[i:i + size])))
            if found:
                return found
    return None


class PrefectureMatcher:
    def __init__(self, centres: list):
        self.centres = centres
        self.latin: dict[str, dict] = {}
        self.japanese: list[tuple[str, dict]] = []
        for centre in centres:
            pref = centre.get("prefecture", {})
            names_latin = [pref.get("en", ""), pref.get("romaji", "")]
            names_ja = [pref.get("ja", ""), pref.get("kana", "")]
            for alias in centre.get("aliases", []) or []:
                (names_ja if has_japanese(str(alias)) else names_latin).append(str(alias))
            for name in names_latin:
                words = latin_words(name)
                if words:
                    self.latin[fold_romaji("".join(words))] = centre
            for name in names_ja:
                name = normalize(name)
                if name:
                    self.japanese.append((name, centre))
                    short = re.sub(r"[都府県]$", "", name)
                    if short != name and len(short) >= 2:
                        self.japanese.append((short, centre))
        self.japanese.sort(key=lambda item: -len(item[0]))

    def find(self, text: str) -> dict | None:
        """The first prefecture named in text."""
        q = normalize(text)
        for name, centre in self.japanese:
            if name in q:
                return centre
        return lookup_words(latin_words(q), self.latin)


def search_centres(matcher: PrefectureMatcher, query: str, regions: Regions | None = None) -> list:
    """Desks whose prefecture (or region) is named in the query; all desks for an empty query."""
    return find_desks(matcher, query, regions)[0]


def find_desks(matcher: PrefectureMatcher, query: str, regions: Regions | None = None) -> tuple[list, dict | None]:
    """(desks, region): the desk of the prefecture named in the query, or every desk of the region
    it names ("Kansai", "東北"), in code order; other spellings and small typos are forgiven
    ("Tokio", "hokaido", "Fukuoca"). An empty query gives every desk."""
    if not query.strip():
        return list(matcher.centres), None
    centre = matcher.find(query)
    if centre:
        return [centre], None
    regions = regions or Regions({})
    by_code = {c.get("code"): c for c in matcher.centres}
    code = regions.spelling(query)
    if code in by_code:
        return [by_code[code]], None
    region = regions.region(query)
    if region:
        return [by_code[c] for c in region["prefectures"] if c in by_code], region
    centre = _closest_prefecture(matcher, query)
    return ([centre] if centre else []), None


def _closest_prefecture(matcher: PrefectureMatcher, query: str) -> dict | None:
    """A prefecture typed with a small typo ("Fukuoca", "Nagasakki"): one clear best match only."""
    words = latin_words(normalize(query))
    if not words or len(words) > 3:
        return None
    typed = fold_romaji("".join(words))
    if len(typed) < 4:
        return None
    best = process.extract(typed, list(matcher.latin), scorer=fuzz.ratio, score_cutoff=80, limit=2)
    if not best or (len(best) > 1 and best[1][1] >= best[0][1] - 3 and matcher.latin[best[1][0]] is not
                    matcher.latin[best[0][0]]):
        return None
    return matcher.latin[best[0][0]]


class Regions:
    """Regions (地方) → prefecture codes, and other spellings of prefectures
    (knowledge/directories/regions.yaml)."""

    def __init__(self, data: dict):
        self.regions = [r for r in (data.get("regions") or []) if isinstance(r, dict)]
        self.latin: dict[str, dict] = {}
        self.japanese: list[tuple[str, dict]] = []
        for region in self.regions:
            for name in [region.get("name", {}).get("en", ""), *(region.get("names") or [])]:
                name = str(name)
                if has_japanese(name):
                    self.japanese.append((normalize(name), region))
                elif latin_words(name):
                    self.latin[fold_romaji("".join(latin_words(name)))] = region
        self.japanese.sort(key=lambda item: -len(item[0]))
        self.spellings: dict[str, str] = {}
        for code, names in (data.get("spellings") or {}).items():
            for name in names or []:
                key = fold_romaji("".join(latin_words(str(name))))
                if key:
                    self.spellings[key] = str(code)

    def spelling(self, query: str) -> str | None:
        return lookup_words(latin_words(normalize(query)), self.spellings)

    def region(self, query: str) -> dict | None:
        q = normalize(query)
        for name, region in self.japanese:
            if name in q:
                return region
        return lookup_words([w for w in latin_words(q) if w not in ("region", "area", "chiho", "chihou")], self.latin)

    def of(self, code: str) -> dict | None:
        return next((r for r in self.regions if code in r.get("prefectures", [])), None)


def search_glossary(terms: list, query: str) -> list:
    """Terms whose Japanese, kana, romaji or English holds the query (any script): the whole query,
    or each of its words, in any order, as a word or the start of one ("reserve prices",
    "price reserve", "ceiling"); a typo in a longer word is forgiven."""
    q = normalize(query)
    if not q:
        return list(terms)
    folded = fold_romaji("".join(latin_words(q))) if not has_japanese(q) else ""
    words = [w for w in latin_words(q) if w not in _GLOSSARY_LIGHT] if not has_japanese(q) else []
    hits = []
    for term in terms:
        haystack = normalize(" ".join(str(term.get(k, "")) for k in ("ja", "kana", "romaji", "en")))
        romaji = fold_romaji("".join(latin_words(str(term.get("romaji", "")))))
        if q in haystack or (folded and folded in romaji) or \
                (words and all(_word_in(w, latin_words(haystack)) for w in words)):
            hits.append(term)
    return hits


_GLOSSARY_LIGHT = frozenset({"a", "an", "the", "of", "for", "in", "on", "and", "or", "to", "what", "is"})


def _word_in(word: str, words: list) -> bool:
    stem = word[:-1] if len(word) > 4 and word.endswith("s") else word   # "prices" → price
    for candidate in words:
        if candidate.startswith(stem) or fold_romaji(candidate) == fold_romaji(word):
            return True
        if len(word) >= 5 and fuzz.ratio(word, candidate) >= 85:
            return True
    return False


def international_phone(phone: str) -> str:
    """A Japanese domestic number in international format: 097-506-6331 → +81-97-506-6331."""
    digits = re.sub(r"[^\d+-]", "", phone or "")
    if not digits or digits.startswith("+"):
        return digits
    return "+81-" + digits[1:] if digits.startswith("0") else ""


def desk_status(centre: dict) -> dict:
    """How far a desk's details are confirmed, from its `status` and the date of its source.

    level: confirmed (official or chuokai page, 2023 or later or undated), dated (details from an
    older source, which may be out of date), partial (some details found, phone not confirmed),
    unconfirmed (nothing found). as_of: the date printed on the source, "" when undated.
    """
    level = {"confirmed": "confirmed", "stale": "dated", "partial": "partial"}.get(centre.get("status"), "unconfirmed")
    if level != "unconfirmed" and not (centre.get("phone") or centre.get("url")):
        level = "unconfirmed"
    return {"level": level, "as_of": str(centre.get("as_of") or "")}
