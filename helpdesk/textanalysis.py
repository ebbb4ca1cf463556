"""Text analysis for English, Japanese and romaji, shared by the index and the query side.

Why these choices (see shared/research/search-and-widget-notes.md §2):
- NFKC first, so full-width letters and half-width kana behave like their usual forms.
- Japanese goes through SudachiPy split mode C with its normalized form (spelling variants
  collapse), plus the mode-A sub-tokens of long compounds, minus particles and auxiliaries.
- Kana-only queries cannot rely on Sudachi's segmentation (けいしん → 警視 + ん), so the
  katakana reading of the Japanese text is indexed as character bigrams.
- Users on European keyboards type Japanese terms in romaji with or without long vowels
  (kankouju, kankoju, kankōju), so readings are romanised (Hepburn) and long vowels folded.
- A Sudachi tokenizer cannot be pickled and Whoosh pickles analyzers into the index,
  so analyzers keep no Sudachi object in their state (it lives in a per-thread cache).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

from whoosh.analysis import StemmingAnalyzer, Token, Tokenizer

JA_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u30fc]")
KANA_ONLY = re.compile(r"^[\u3040-\u30ff\u30fc\s]+$")
LATIN_WORD = re.compile(r"[a-z0-9]+(?:[.'-][a-z0-9]+)*")

# Parts of speech that carry no meaning for retrieval (particles, auxiliaries, symbols ...).
JA_STOP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号", "接尾辞", "接頭辞"}
# Light words that appear in questions but never decide which entry is meant.
JA_STOP_WORDS = {
    "為る", "する", "出来る", "有る", "ある", "居る", "いる", "成る", "なる", "何", "なに", "どう",
    "どの", "どこ", "いつ", "誰", "教える", "知る", "たい", "ください", "下さる", "いう", "言う",
    "こと", "事", "もの", "物", "ため", "よう", "方", "とき", "時", "これ", "それ", "あれ",
    "この", "その", "ここ", "そこ", "私", "わたし", "弊社", "当社", "です", "ます", "ない",
    "おる", "様", "さん", "場合", "どれ", "ぐらい", "くらい", "について", "とは", "幾つ", "いくつ",
    "何処", "如何", "何時", "いかが", "欲しい", "思う", "分かる", "わかる", "良い", "いい", "よい",
}


def normalize(text: str) -> str:
    """NFKC, lower case, and collapse whitespace; drop control and format characters."""
    text = unicodedata.normalize("NFKC", text)
    if not text.replace("\n", " ").replace("\t", " ").isprintable():   # else no C* character: skip the walk
        text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t ")
    return re.sub(r"\s+", " ", text).strip().lower()


def has_japanese(text: str) -> bool:
    return bool(JA_CHAR.search(text))


def is_kana_only(text: str) -> bool:
    return bool(text.strip()) and bool(KANA_ONLY.match(text))


def detect_language(text: str) -> str:
    """'ja' when the text contains any Japanese script, else 'en' (English or romaji)."""
    return "ja" if has_japanese(text) else "en"


# ---------------------------------------------------------------- Sudachi (per thread)

_local = threading.local()


@lru_cache(maxsize=1)
def _dictionary():
    """One Sudachi dictionary per process (memory-mapped: workers forked from a master that
    loaded it share its pages); a tokenizer is not thread-safe, so each thread makes its own."""
    from sudachipy import Dictionary

    return Dictionary()


def load_analysers() -> None:
    """Load Sudachi's dictionary and pykakasi now: processes forked afterwards share them instead
    of each loading its own (seconds of work and tens of MB per process)."""
    _sudachi()
    _kakasi()


def _sudachi():
    tok = getattr(_local, "tokenizer", None)
    if tok is None:
        from sudachipy import SplitMode

        tok = _dictionary().tokenizer(SplitMode.C)
        _local.tokenizer = tok
        _local.mode_a = SplitMode.A
    return tok


class Morph:
    """The parts of a Sudachi morpheme the analysis needs (plain data, picklable)."""

    __slots__ = ("surface", "norm", "reading", "pos", "subs", "begin", "end", "content", "japanese")

    def __init__(self, surface, norm, reading, pos, subs, begin=0, end=0):
        self.surface, self.norm, self.reading, self.pos, self.subs = surface, norm, reading, pos, subs
        self.begin, self.end = begin, end
        # Decided once here: every analysis (terms, romaji, readings) asks the same questions
        self.content = _is_content(surface, norm, pos)
        self.japanese = has_japanese(surface)


_ONLY_SYMBOLS = re.compile(r"[\W_]+")


def _is_content(surface: str, norm: str, pos: str) -> bool:
    """A morpheme that can carry meaning: not a particle, auxiliary, symbol or light word."""
    if pos in JA_STOP_POS or norm in JA_STOP_WORDS or surface in JA_STOP_WORDS:
        return False
    return bool(norm.strip()) and not _ONLY_SYMBOLS.fullmatch(norm)


@lru_cache(maxsize=4096)
def morphs(text: str) -> tuple[Morph, ...]:
    """Sudachi mode-C morphemes of Japanese text, with mode-A sub-tokens of compounds."""
    text = text[:2000]
    if not text.strip():
        return ()
    tok = _sudachi()
    out = []
    for m in tok.tokenize(text):
        surface = m.surface()
        out.append(Morph(surface, m.normalized_form(), m.reading_form(), _pos(m), _sub_norms(m, surface),
                         m.begin(), m.end()))
    return tuple(out)


def _sub_norms(morpheme, surface: str) -> tuple:
    """Normalized forms of a compound's mode-A parts; () when it does not split."""
    if len(surface) < 2:                      # one character never splits
        return ()
    parts = morpheme.split(_local.mode_a)
    return tuple(part.normalized_form() for part in parts) if len(parts) > 1 else ()


_POS_BY_ID: dict = {}


def _pos(morpheme) -> str:
    """The first part-of-speech level, looked up once per POS id (a morpheme builds a 6-tuple)."""
    pos_id = morpheme.part_of_speech_id()
    pos = _POS_BY_ID.get(pos_id)
    if pos is None:
        pos = _POS_BY_ID[pos_id] = morpheme.part_of_speech()[0]
    return pos


def ja_terms(text: str) -> list[str]:
    """Index/query terms for Japanese fields: normalized mode-C forms plus mode-A sub-tokens."""
    return list(_japanese_terms(normalize(text))[0])


@lru_cache(maxsize=2048)
def _japanese_terms(text: str) -> tuple[tuple, tuple]:
    """(ja_terms, romaji_terms) of normalized text from one walk over Sudachi's morphemes.

    Why one walk: an answer's Japanese text feeds two index fields (words and romaji), and going
    through Morph objects twice was most of the build time. Same rules as morphs() + Morph.
    """
    text = text[:2000]
    if not text.strip():
        return (), ()
    tok = _sudachi()
    words: list[str] = []
    romaji: list[str] = []
    previous = ""
    for m in tok.tokenize(text):
        surface, norm = m.surface(), m.normalized_form()
        if not _is_content(surface, norm, _pos(m)):
            previous = ""
            continue
        subs = _sub_norms(m, surface)
        words.append(norm)
        words.extend(sub for sub in subs if sub not in JA_STOP_WORDS)
        if not has_japanese(surface):
            previous = ""
            continue
        r = kana_to_romaji(m.reading_form())
        if not r:
            continue
        romaji.append(r)
        for sub in subs:
            sub_reading = "".join(x.reading for x in morphs(sub))
            if sub_reading:
                romaji.append(kana_to_romaji(sub_reading))
        if previous:
            romaji.append(previous + r)
        previous = r
    return tuple(words), tuple(t for t in romaji if len(t) > 1)


# ---------------------------------------------------------------- readings and romaji

_HIRA_TO_KATA = {c: c + 0x60 for c in range(0x3041, 0x3097)}


def to_katakana(text: str) -> str:
    return text.translate(_HIRA_TO_KATA)


def reading(text: str) -> str:
    """Katakana reading of Japanese text (kana stays kana; Latin parts are dropped)."""
    text = normalize(text)
    parts = []
    for m in morphs(text):
        if m.japanese:
            r = m.reading if m.reading and m.reading != "キゴウ" else to_katakana(m.surface)
            parts.append(r)
        else:
            parts.append(" ")
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def bigrams(text: str) -> list[str]:
    """Character bigrams within each space-separated chunk (a single char stays a unigram)."""
    grams = []
    for chunk in text.split():
        if len(chunk) == 1:
            grams.append(chunk)
        grams.extend(chunk[i : i + 2] for i in range(len(chunk) - 1))
    return grams


_KUNREI = [
    (r"sy([aueo])", r"sh\1"), (r"ty([aueo])", r"ch\1"), (r"zy([aueo])", r"j\1"), (r"jy([aueo])", r"j\1"),
    (r"(?<!s)si", "shi"), (r"(?<![cs])ti", "chi"), (r"tu", "tsu"),
    (r"(?<![sc])hu", "fu"), (r"zi", "ji"), (r"di", "ji"), (r"du", "zu"),
]


@lru_cache(maxsize=65536)
def fold_romaji(word: str) -> str:
    """Fold a romaji word so that spelling variants meet: kankōju = kankouju = kankoju.

    Macrons and circumflexes go, Kunrei spellings become Hepburn, long vowels (ou, oo, uu, ee,
    and ei as in ケイ/プレイス) fold to one vowel, 'nn' and 'm' before b/p become 'n', and an apostrophe after n goes.
    """
    w = unicodedata.normalize("NFKD", word.lower())
    w = "".join(ch for ch in w if not unicodedata.combining(ch))
    w = w.replace("'", "").replace("-", "")
    for pattern, repl in _KUNREI:
        w = re.sub(pattern, repl, w)
    w = re.sub(r"o[ou]", "o", w)
    w = re.sub(r"uu", "u", w)
    w = re.sub(r"ee|ei", "e", w)
    w = re.sub(r"aa", "a", w)
    w = re.sub(r"ii", "i", w)
    w = re.sub(r"nn(?=[^aeiouy]|$)", "n", w)
    w = re.sub(r"m(?=[bp])", "n", w)
    return w


@lru_cache(maxsize=1)
def _kakasi():
    """pykakasi, with its kanji dictionary (≈120 MB of Python objects) loaded only if a kanji ever
    has to be converted: we pass it readings, which are kana, so in practice it never loads and
    the gunicorn master and workers do not carry it."""
    from pykakasi.kakasi import Kakasi
    from pykakasi.scripts import IConv

    kakasi = Kakasi.__new__(Kakasi)
    kakasi._jconv = _KanjiOnDemand()
    kakasi._iconv = IConv()
    return kakasi


class _KanjiOnDemand:
    """Stands in for pykakasi's JConv (pinned pykakasi 2.3.0): the same region test, and the real
    converter, dictionary and all, created at the first kanji."""

    def __init__(self):
        from pykakasi.kanji import Itaiji

        self._itaiji = Itaiji()   # the variant-kanji table: small
        self._real = None

    def isRegion(self, c: str):  # noqa: N802 (pykakasi's name)
        return 0x3400 <= ord(c[0]) < 0xE000 or self._itaiji.haskey(ord(c[0]))

    def convert(self, itext: str, btext: str):
        if self._real is None:
            from pykakasi.kanji import JConv

            self._real = JConv()
        return self._real.convert(itext, btext)


@lru_cache(maxsize=8192)
def kana_to_romaji(kana: str) -> str:
    """Hepburn romaji of a kana string, folded (see fold_romaji)."""
    if not kana:
        return ""
    return fold_romaji("".join(item["hepburn"] for item in _kakasi().convert(kana)))


def romaji_terms(text: str) -> list[str]:
    """Folded romaji of each Japanese content word, its sub-tokens and adjacent pairs.

    Pairs let "kankouju tekikaku kumiai" typed as "kankoujutekikakukumiai" match too.
    """
    return list(_japanese_terms(normalize(text))[1])


_LONG_VOWELS = str.maketrans({"ā": "aa", "ī": "ii", "ū": "uu", "ē": "ee", "ō": "ou",
                              "â": "aa", "î": "ii", "û": "uu", "ê": "ee", "ô": "ou"})


def fold_latin(text: str) -> str:
    """Romaji long-vowel marks become double vowels (kankōju → kankouju); other accents go."""
    text = text.translate(_LONG_VOWELS)
    return re.sub(r"[À-ɏ]", lambda m: unicodedata.normalize("NFKD", m.group())[0], text)


def latin_words(text: str) -> list[str]:
    text = re.sub(r"'s\b|'", "", fold_latin(normalize(text)))   # "japan's" → japan, "what's" → what
    return LATIN_WORD.findall(text)


# ---------------------------------------------------------------- English

def english_analyzer():
    """Porter stemming, Whoosh's stop list, and single letters kept (the Y, Z, W and P scores)."""
    return StemmingAnalyzer(minsize=1)


_english = english_analyzer()


def en_terms(text: str) -> list[str]:
    """Stemmed English terms (Whoosh's Porter stemmer, its stop list, lower case)."""
    return [t.text for t in _english(normalize(text))]


def en_stem(word: str) -> str:
    terms = en_terms(word)
    return terms[0] if terms else ""


# ---------------------------------------------------------------- Whoosh glue

class FunctionTokenizer(Tokenizer):
    """A Whoosh tokenizer that emits the terms produced by one of the functions above.

    It stores only the function's name, so it pickles into the index TOC and is re-created on
    load without carrying any Sudachi object; see __getstate__/__setstate__.
    """

    FUNCTIONS = {
        "ja": ja_terms,
        "romaji": romaji_terms,
        "reading_bigrams": lambda text: bigrams(reading(text)),
        "char_bigrams": lambda text: bigrams(re.sub(r"[^\w]", " ", normalize(text))),
    }

    def __init__(self, function_name: str):
        self.function_name = function_name
        self._function = self.FUNCTIONS[function_name]

    def __getstate__(self):
        return {"function_name": self.function_name}

    def __setstate__(self, state):
        self.__init__(state["function_name"])

    def __eq__(self, other):
        return isinstance(other, FunctionTokenizer) and other.function_name == self.function_name

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        terms = self._function(value) if tokenize else [value]
        for i, term in enumerate(terms):
            token.text = term
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = term
            if positions:
                token.pos = start_pos + i
            if chars:
                token.startchar = start_char
                token.endchar = start_char + len(value)
            yield token

