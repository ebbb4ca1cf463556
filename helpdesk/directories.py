"""Look-ups in the directories (consultancy desks, analysis agencies) and the glossary.

A prefecture can be typed in English, kanji with or without 都/府/県, kana or romaji with or
without long vowels ("Osaka", "大阪", "大阪府", "おおさか", "oosaka").
"""

from __future__ import annotations

import re

from .textanalysis import fold_romaji, has_japanese, latin_words, normalize


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
        words = latin_words(q)
        for size in (2, 1):  # "hokkai do" or "osaka-fu" typed as two words
            for i in range(len(words) - size + 1):
                centre = self.latin.get(fold_romaji("".join(words[i:i + size])))
                if centre:
                    return centre
        return None


def search_centres(matcher: PrefectureMatcher, query: str) -> list:
    """Desks whose prefecture is named in the query; all desks for an empty query."""
    if not query.strip():
        return list(matcher.centres)
    centre = matcher.find(query)
    return [centre] if centre else []


def search_glossary(terms: list, query: str) -> list:
    """Terms whose Japanese, kana, romaji or English contains the query (any script)."""
    q = normalize(query)
    if not q:
        return list(terms)
    folded = fold_romaji("".join(latin_words(q))) if not has_japanese(q) else ""
    hits = []
    for term in terms:
        haystack = normalize(" ".join(str(term.get(k, "")) for k in ("ja", "kana", "romaji", "en")))
        romaji = fold_romaji("".join(latin_words(str(term.get("romaji", "")))))
        if q in haystack or (folded and folded in romaji):
            hits.append(term)
    return hits


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
