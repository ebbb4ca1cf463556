"""Loading and validating the knowledge files that helpdesk staff edit.

Every problem is reported with the file and the line it is on, because the people who fix
them are not programmers and need to be pointed at the exact place. Nothing here touches the
search index: a knowledge base with errors is simply not handed to the index builder.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import frontmatter
import yaml

TOPICS = ("kankouju", "keishin", "digital-marketplace", "joint-procurement", "general")
LANGS = ("en", "ja")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ENTRY_LINK = re.compile(r"\]\(entry:([^)\s]*)\)")
SECTION_MARK = re.compile(r"^\[(en|ja)\]\s*$")
STALE_AFTER_DAYS = 365
MIN_QUESTIONS = 4
ENTRY_FIELDS = {"id", "topic", "reviewed", "title", "questions", "keywords", "related", "sources", "unconfirmed"}


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


@dataclass
class Entry:
    id: str
    topic: str
    reviewed: dt.date
    title: dict
    questions: dict
    keywords: dict
    answer: dict
    sources: list
    related: list
    path: str


@dataclass
class KnowledgeBase:
    entries: dict = field(default_factory=dict)
    synonyms: list = field(default_factory=list)
    light_words: dict = field(default_factory=dict)
    out_of_scope: dict = field(default_factory=dict)
    domain_words: dict = field(default_factory=dict)
    contacts: list = field(default_factory=list)
    glossary: list = field(default_factory=list)
    centres: dict = field(default_factory=dict)
    agencies: dict = field(default_factory=dict)
    regions: dict = field(default_factory=dict)


class KnowledgeError(Exception):
    """Raised when the knowledge base has errors; carries all problems found."""

    def __init__(self, problems):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in the knowledge base; first: {errors[0] if errors else '-'}")


# ---------------------------------------------------------------- YAML with line numbers

class LineDict(dict):
    """A dict that remembers the line of each key (1-based, in the source file)."""

    line = 0
    lines: dict


class LineList(list):
    line = 0
    lines: list


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):   # the C parser when built: 5× faster
    offset = 0

    def construct_mapping(self, node, deep=False):
        result = LineDict(super().construct_mapping(node, deep=True))
        result.line = node.start_mark.line + 1 + self.offset
        result.lines = {self.construct_object(k, deep=True): k.start_mark.line + 1 + self.offset
                        for k, _ in node.value}
        return result

    def construct_sequence(self, node, deep=False):
        result = LineList(super().construct_sequence(node, deep=True))
        result.line = node.start_mark.line + 1 + self.offset
        result.lines = [item.start_mark.line + 1 + self.offset for item in node.value]
        return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence)


def load_yaml(text: str, path: str, problems: list, line_offset: int = 0):
    """Parse YAML, recording a syntax error as a Problem; returns None on error."""
    loader = _LineLoader(text)
    loader.offset = line_offset
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        # context_mark is where the broken construct starts (e.g. an unclosed "["), which is
        # where a person should look; problem_mark is where the parser gave up.
        start = getattr(exc, "context_mark", None)
        noticed = getattr(exc, "problem_mark", None)
        mark = start or noticed
        line = (mark.line + 1 + line_offset) if mark else line_offset + 1
        reason = getattr(exc, "problem", None) or str(exc)
        if start and noticed and noticed.line != start.line:
            reason += f" (noticed on line {noticed.line + 1 + line_offset})"
        problems.append(Problem(path, line, f"YAML syntax error: {reason}"))
        return None
    finally:
        loader.dispose()


def line_of(node, key=None, default=1) -> int:
    if isinstance(node, LineDict):
        return node.lines.get(key, node.line) if key is not None else node.line
    if isinstance(node, LineList):
        if isinstance(key, int) and key < len(node.lines):
            return node.lines[key]
        return node.line
    return default


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def as_date(value):
    """A date from YAML (already a date) or text YYYY-MM-DD; None when it is neither."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


MIN_CITATION_CHARS = 20   # a source without an address is cited in full: body, document title, year


# Search engines' cached copies of a page: the copy is not the page that says it.
CACHED_COPY = re.compile(r"^https?://[^/\s]*(\.cache\.yimg\.jp|webcache\.googleusercontent\.com|cc\.bingj\.com)/",
                         re.IGNORECASE)


def check_sources(sources, path, line, problems):
    """Every source is the page that says it (`url`: an http(s) address) or, with `url: null`,
    a document cited in full in its `title`. Prose about a missing address is not a source."""
    if not isinstance(sources, list) or not sources:
        problems.append(Problem(path, line, "'sources' needs at least one item with a title and a url"))
        return []
    clean = []
    for i, src in enumerate(sources):
        src_line = line_of(sources, i, line)
        if not isinstance(src, dict) or not _text(src.get("title")):
            problems.append(Problem(path, src_line, "each source needs a 'title'"))
            continue
        if "document" in src:
            problems.append(Problem(path, line_of(src, "document", src_line),
                                    "'document' is not used any more: write the full citation in 'title' "
                                    "and 'url: null' (or the https address of the page)"))
            continue
        if "url" not in src:
            problems.append(Problem(path, src_line, "each source needs a 'url' (https://… or null for a "
                                                    "document without a web address)"))
            continue
        url = src.get("url")
        if url is None:
            if len(src["title"].strip()) < MIN_CITATION_CHARS:
                problems.append(Problem(path, src_line, "a source with 'url: null' needs a full citation in "
                                                        f"'title' (at least {MIN_CITATION_CHARS} characters)"))
                continue
        elif not isinstance(url, str) or not re.match(r"^https?://[^\s/]+\.[^\s]+$", url.strip()):
            problems.append(Problem(path, line_of(src, "url", src_line),
                                    f"source url is not a web address (http:// or https://): {url!r}"))
            continue
        if url and CACHED_COPY.search(url):
            problems.append(Problem(path, line_of(src, "url", src_line),
                                    f"source url is a search engine's cached copy: cite the page's own address "
                                    f"({url.strip()})", "warning"))
        clean.append({"title": src["title"].strip(), "url": url.strip() if url else None,
                      "date": str(src.get("date") or "")})
    return clean


# ---------------------------------------------------------------- entries

def split_answer(body: str, path: str, first_line: int, problems: list) -> dict:
    """Split the Markdown body into the [en] and [ja] answers."""
    sections: dict = {}
    current = None
    for i, raw in enumerate(body.splitlines()):
        mark = SECTION_MARK.match(raw.strip())
        if mark:
            current = mark.group(1)
            if current in sections:
                problems.append(Problem(path, first_line + i, f"section [{current}] appears twice"))
            sections[current] = []
            continue
        if current is None:
            if raw.strip():
                problems.append(Problem(path, first_line + i, "text before the first [en] or [ja] line"))
            continue
        sections[current].append(raw)
    answer = {lang: "\n".join(lines).strip() for lang, lines in sections.items()}
    for lang in LANGS:
        if not answer.get(lang):
            problems.append(Problem(path, first_line, f"missing answer: add a line [{lang}] followed by the answer"))
    return answer


def _bilingual(meta, key, path, problems, is_list=False):
    value = meta.get(key)
    line = line_of(meta, key)
    if not isinstance(value, dict):
        problems.append(Problem(path, line, f"'{key}' needs 'en' and 'ja'"))
        return {lang: ([] if is_list else "") for lang in LANGS}
    out = {}
    for lang in LANGS:
        item = value.get(lang)
        item_line = value.lines.get(lang, line) if isinstance(value, LineDict) else line
        if is_list:
            items = [q.strip() for q in item if _text(q)] if isinstance(item, list) else []
            if not items:
                problems.append(Problem(path, item_line, f"'{key}.{lang}' needs at least one item"))
            elif isinstance(item, list) and len(items) != len(item):
                problems.append(Problem(path, item_line, f"'{key}.{lang}' has an empty or non-text item"))
            out[lang] = items
            if key == "questions" and 0 < len(items) < MIN_QUESTIONS:
                problems.append(Problem(path, item_line, f"only {len(items)} question(s) in '{lang}': "
                                        f"write at least {MIN_QUESTIONS} ways users ask"))
        else:
            if not _text(item):
                problems.append(Problem(path, item_line, f"'{key}.{lang}' is missing"))
            out[lang] = item.strip() if _text(item) else ""
    return out


def load_entry(file: Path, root: Path, problems: list, today: dt.date):
    path = str(file.relative_to(root.parent)) if root.parent in file.parents else str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(path, 1, f"file is not UTF-8 text ({exc.reason})"))
        return None
    if not text.startswith("---"):
        problems.append(Problem(path, 1, "the file must start with a '---' line (front matter)"))
        return None
    try:
        fm_text, body = frontmatter.YAMLHandler().split(text)
    except ValueError:
        problems.append(Problem(path, 1, "the front matter must end with a '---' line"))
        return None
    # Line numbers in the file of the front matter's first character and of the body's.
    fm_offset = text[: text.find(fm_text)].count("\n")
    body_first_line = text[: len(text) - len(body)].count("\n") + 1
    meta = load_yaml(fm_text, path, problems, line_offset=fm_offset)
    if meta is None:
        return None
    if not isinstance(meta, dict):
        problems.append(Problem(path, 2, "the front matter must be a set of 'name: value' lines"))
        return None
    for key in meta:
        if key not in ENTRY_FIELDS:
            problems.append(Problem(path, line_of(meta, key), f"unknown field '{key}'", "warning"))

    entry_id = meta.get("id")
    if not _text(entry_id) or not ID_PATTERN.match(str(entry_id)):
        problems.append(Problem(path, line_of(meta, "id"), "'id' must be lower-case letters, digits and hyphens"))
        entry_id = file.stem
    elif entry_id != file.stem:
        problems.append(Problem(path, line_of(meta, "id"), f"'id' ({entry_id}) must equal the file name ({file.stem})"))
    topic = meta.get("topic")
    if topic not in TOPICS:
        problems.append(Problem(path, line_of(meta, "topic"), f"'topic' must be one of {', '.join(TOPICS)}"))
    elif file.parent.name in TOPICS and file.parent.name != topic:
        problems.append(Problem(path, line_of(meta, "topic"),
                                f"topic '{topic}' does not match the folder '{file.parent.name}'"))

    reviewed = as_date(meta.get("reviewed"))
    if reviewed is None:
        problems.append(Problem(path, line_of(meta, "reviewed"), "'reviewed' must be a date YYYY-MM-DD"))
        reviewed = dt.date.min
    elif reviewed > today:
        problems.append(Problem(path, line_of(meta, "reviewed"), f"'reviewed' ({reviewed}) is in the future"))
    elif (today - reviewed).days > STALE_AFTER_DAYS:
        problems.append(Problem(path, line_of(meta, "reviewed"),
                                f"reviewed on {reviewed}, more than 12 months ago: please re-check this entry",
                                "warning"))

    title = _bilingual(meta, "title", path, problems)
    questions = _bilingual(meta, "questions", path, problems, is_list=True)
    keywords = {lang: [] for lang in LANGS}
    if meta.get("keywords") is not None:
        kw = meta["keywords"]
        if not isinstance(kw, dict):
            problems.append(Problem(path, line_of(meta, "keywords"), "'keywords' needs 'en' and/or 'ja' lists"))
        else:
            for lang in LANGS:
                items = kw.get(lang) or []
                if not isinstance(items, list):
                    problems.append(Problem(path, line_of(kw, lang), f"'keywords.{lang}' must be a list"))
                    continue
                keywords[lang] = [str(k).strip() for k in items if str(k).strip()]
    related = meta.get("related") or []
    if not isinstance(related, list) or not all(isinstance(r, str) for r in related):
        problems.append(Problem(path, line_of(meta, "related"), "'related' must be a list of entry ids"))
        related = []
    sources = check_sources(meta.get("sources"), path, line_of(meta, "sources"), problems)
    answer = split_answer(body, path, body_first_line, problems)
    entry = Entry(id=entry_id, topic=topic or "general", reviewed=reviewed, title=title, questions=questions,
                  keywords=keywords, answer=answer, sources=sources, related=list(related), path=path)
    entry._lines = {"related": line_of(meta, "related"), "body": body_first_line, "body_text": body,
                    "questions": line_of(meta, "questions")}
    return entry


# ---------------------------------------------------------------- other data files

def _top_list(file: Path, key: str, problems: list, message: str, non_empty: bool = False):
    """The file's data and its top-level list `key`; (None, None) after reporting a problem."""
    data = _load_file(file, problems)
    if data is None:
        return None, None
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list) or (non_empty and not items):
        problems.append(Problem(str(file), 1, message))
        return None, None
    return data, items


def _load_lists(file: Path, keys: tuple, what: str, problems: list, clean) -> dict:
    """A file of lists under `keys`; `clean(item)` returns (value, None) or (None, problem text),
    or `clean` is {key: such a function}. Bad items are reported with their line and left out;
    the good ones come back sorted, once each."""
    data = _load_file(file, problems)
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(str(file), 1, f"{what} file needs {' and '.join(repr(k) for k in keys)} lists"))
        return {}
    out = {}
    for key in keys:
        items = data.get(key) or []
        if not isinstance(items, list):
            problems.append(Problem(str(file), line_of(data, key), f"'{key}' must be a list"))
            continue
        good = set()
        clean_item = clean[key] if isinstance(clean, dict) else clean
        for i, item in enumerate(items):
            value, problem = clean_item(item)
            if problem:
                problems.append(Problem(str(file), line_of(items, i, line_of(data, key)), problem))
            else:
                good.add(value)
        out[key] = sorted(good)
    return out


def _one_word(item):
    if isinstance(item, str) and re.fullmatch(r"[a-z]+", item):
        return item, None
    hint = " (write it in quotes: YAML reads no/on/off as yes-no)" if isinstance(item, bool) else ""
    return None, f"{item!r} is not one lower-case word{hint}"


def _text_item(item):
    if isinstance(item, str) and item.strip():
        return unicodedata.normalize("NFKC", item).strip().lower(), None
    return None, f"{item!r} is not text"


def _one_japanese_word(item):
    if isinstance(item, str) and re.fullmatch(r"[\u3040-\u30ff\u4e00-\u9fff\u3005]+", item.strip()):
        return unicodedata.normalize("NFKC", item).strip(), None
    return None, f"{item!r} is not one Japanese word"


def load_light_words(file: Path, problems: list) -> dict:
    """Words that say how a question is asked ({'en': [...], 'romaji': [...], 'ja': [...]}), one word each."""
    return _load_lists(file, ("en", "romaji", "ja"), "light words", problems,
                       {"en": _one_word, "romaji": _one_word, "ja": _one_japanese_word})


def load_out_of_scope(file: Path, problems: list) -> dict:
    """Subjects the helpdesk does not cover ({'en': [...], 'ja': [...]}): words or phrases."""
    return _load_lists(file, ("en", "ja"), "out-of-scope", problems, _text_item)


def load_domain_words(file: Path, problems: list, synonyms: list) -> dict:
    """Words that show a question is about procurement ({'en': [...], 'ja': [...]}), the synonym
    groups that alone do not ({'generic_synonyms': [labels]}, each the first term of a group), and
    the words that tie a question to the public sector ({'public_en': [...], 'public_ja': [...]}) and
    the Japanese words that only look like it ({'not_public_ja': [...]}: 市場 is a market, not a city)."""
    labels = {_text_item(group[0])[0] for group in synonyms if group}

    def synonym_label(item):
        value, problem = _text_item(item)
        if problem or value in labels:
            return value, problem
        return None, f"generic_synonyms: {value!r} is not the first term of a synonyms.yaml group"

    return _load_lists(file, ("en", "ja", "generic_synonyms", "public_en", "public_ja", "not_public_ja"),
                       "domain words", problems,
                       {"en": _text_item, "ja": _text_item, "generic_synonyms": synonym_label,
                        "public_en": _text_item, "public_ja": _text_item, "not_public_ja": _text_item})


def load_synonyms(file: Path, problems: list) -> list:
    _, groups = _top_list(file, "groups", problems, "synonyms file needs a 'groups' list")
    if groups is None:
        return []
    out = []
    for i, group in enumerate(groups):
        if not isinstance(group, list) or len([g for g in group if _text(str(g))]) < 2:
            problems.append(Problem(str(file), line_of(groups, i), "each synonym group needs at least two terms"))
            continue
        out.append([str(g).strip() for g in group if _text(str(g))])
    return out


def load_contacts(file: Path, problems: list) -> list:
    _, contacts = _top_list(file, "contacts", problems, "contacts file needs a non-empty 'contacts' list",
                            non_empty=True)
    if contacts is None:
        return []
    out = []
    for i, contact in enumerate(contacts):
        line = line_of(contacts, i)
        if not isinstance(contact, dict) or not isinstance(contact.get("name"), dict):
            problems.append(Problem(str(file), line, "each contact needs a 'name' with 'en' and 'ja'"))
            continue
        for lang in LANGS:
            if not _text(contact["name"].get(lang)):
                problems.append(Problem(str(file), line, f"contact 'name.{lang}' is missing"))
        check_sources(contact.get("sources"), str(file), line, problems)
        out.append(dict(contact))
    return out


def load_glossary(file: Path, problems: list) -> list:
    _, terms = _top_list(file, "terms", problems, "glossary needs a 'terms' list")
    if terms is None:
        return []
    out = []
    for i, term in enumerate(terms):
        line = line_of(terms, i)
        missing = [k for k in ("ja", "kana", "romaji", "en") if not isinstance(term, dict) or not _text(term.get(k))]
        definition = term.get("definition") if isinstance(term, dict) else None
        if not isinstance(definition, dict) or not all(_text(definition.get(lang)) for lang in LANGS):
            missing.append("definition.en/ja")
        if missing:
            problems.append(Problem(str(file), line, f"glossary term is missing {', '.join(missing)}"))
            continue
        sources = check_sources(term.get("sources"), str(file), line_of(term, "sources", line), problems)
        out.append({**term, "sources": sources, "_line": line})
    return out


def load_directory(file: Path, list_key: str, problems: list) -> dict:
    data, items = _top_list(file, list_key, problems, f"directory needs a '{list_key}' list")
    if items is None:
        return {}
    for i, item in enumerate(items):
        line = line_of(items, i)
        if not isinstance(item, dict):
            problems.append(Problem(str(file), line, "each record must be a set of 'name: value' lines"))
            continue
        phone = item.get("phone", "")
        if phone and not re.fullmatch(r"[0-9()+\- ]{6,20}", str(phone)):
            problems.append(Problem(str(file), line_of(item, "phone", line), f"phone {phone!r} is not a phone number"))
        url = item.get("url", "")
        if url and not re.match(r"^https?://", str(url)):
            problems.append(Problem(str(file), line_of(item, "url", line), f"url {url!r} is not a web address"))
        if (phone or url) and not item.get("sources"):
            problems.append(Problem(str(file), line, "a record with a phone or url needs its 'sources'"))
    return dict(data)


def load_regions(file: Path, centres: dict, problems: list) -> dict:
    """Regions → prefecture codes and other spellings (directories/regions.yaml): every code must be
    a desk's code, every desk in exactly one region."""
    data, regions = _top_list(file, "regions", problems, "regions file needs a 'regions' list")
    if regions is None:
        return {}
    codes = {str(c.get("code")) for c in centres.get("centres", []) if isinstance(c, dict)}
    seen: dict = {}
    for i, region in enumerate(regions):
        line = line_of(regions, i)
        if not isinstance(region, dict) or not isinstance(region.get("name"), dict) or \
                not all(_text(region["name"].get(lang)) for lang in LANGS):
            problems.append(Problem(str(file), line, "each region needs a 'name' with 'en' and 'ja'"))
            continue
        for code in region.get("prefectures") or []:
            if codes and str(code) not in codes:
                problems.append(Problem(str(file), line_of(region, "prefectures", line),
                                        f"prefecture code {code!r} is not a desk's code in centres.yaml"))
            elif str(code) in seen:
                problems.append(Problem(str(file), line_of(region, "prefectures", line),
                                        f"prefecture {code} is already in region {seen[str(code)]!r}"))
            seen[str(code)] = region.get("id")
    missing = sorted(codes - set(seen))
    if missing and seen:
        problems.append(Problem(str(file), line_of(data, "regions"), f"prefectures in no region: {', '.join(missing)}"))
    spellings = data.get("spellings") or {}
    for code in spellings:
        if codes and str(code) not in codes:
            problems.append(Problem(str(file), line_of(spellings, code), f"spellings for unknown prefecture {code!r}"))
    return dict(data)


def _load_file(file: Path, problems: list):
    if not file.exists():
        problems.append(Problem(str(file), 1, "file is missing"))
        return None
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(str(file), 1, f"file is not UTF-8 text ({exc.reason})"))
        return None
    return load_yaml(text, str(file), problems)


# ---------------------------------------------------------------- the whole base

def load_knowledge(root: Path, today: dt.date | None = None) -> tuple[KnowledgeBase, list]:
    """Load every knowledge file under root; returns the base and all problems found."""
    root = Path(root)
    today = today or dt.date.today()
    problems: list[Problem] = []
    kb = KnowledgeBase()
    unreadable = set()
    for file in sorted((root / "entries").glob("**/*.md")):
        entry = load_entry(file, root, problems, today)
        if entry is None:
            unreadable.add(file.stem)   # already reported; don't also flag links to it
            continue
        if entry.id in kb.entries:
            problems.append(Problem(entry.path, 1, f"duplicate id '{entry.id}' (also in {kb.entries[entry.id].path})"))
            continue
        kb.entries[entry.id] = entry
    if not kb.entries:
        problems.append(Problem(str(root / "entries"), 1, "no entries found"))
    for entry in kb.entries.values():
        for rel in entry.related:
            if rel not in kb.entries and rel not in unreadable:
                problems.append(Problem(entry.path, entry._lines["related"], f"related id '{rel}' does not exist"))
        body = entry._lines["body_text"]
        for offset, line_text in enumerate(body.splitlines()):
            for target in ENTRY_LINK.findall(line_text):
                if target not in kb.entries and target not in unreadable:
                    problems.append(Problem(entry.path, entry._lines["body"] + offset,
                                            f"link to entry '{target}' which does not exist"))
    _warn_shared_questions(kb.entries.values(), problems)
    kb.synonyms = load_synonyms(root / "synonyms.yaml", problems)
    if (root / "light_words.yaml").exists():
        kb.light_words = load_light_words(root / "light_words.yaml", problems)
    if (root / "out_of_scope.yaml").exists():
        kb.out_of_scope = load_out_of_scope(root / "out_of_scope.yaml", problems)
    if (root / "domain_words.yaml").exists():
        kb.domain_words = load_domain_words(root / "domain_words.yaml", problems, kb.synonyms)
    kb.contacts = load_contacts(root / "contacts.yaml", problems)
    if (root / "glossary.yaml").exists():
        kb.glossary = load_glossary(root / "glossary.yaml", problems)
        for term in kb.glossary:
            linked = kb.entries.get(term.get("entry")) if term.get("entry") else None
            if term.get("entry") and linked is None:
                problems.append(Problem(str(root / "glossary.yaml"), term["_line"],
                                        f"glossary term points to entry '{term['entry']}' which does not exist"))
            elif linked is not None and not entry_mentions(linked, term):
                problems.append(Problem(str(root / "glossary.yaml"), term["_line"],
                                        f"glossary term '{term['ja']}' points to entry '{linked.id}', which never "
                                        "mentions it (in Japanese, English or romaji): link an entry that explains it"))
    if (root / "directories" / "centres.yaml").exists():
        kb.centres = load_directory(root / "directories" / "centres.yaml", "centres", problems)
    if (root / "directories" / "regions.yaml").exists():
        kb.regions = load_regions(root / "directories" / "regions.yaml", kb.centres, problems)
    if (root / "directories" / "analysis_agencies.yaml").exists():
        kb.agencies = load_directory(root / "directories" / "analysis_agencies.yaml", "agencies", problems)
    return kb, problems


def _question_key(question: str) -> str:
    """A question as compared for duplicates: NFKC, lower case, letters and digits only."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", question).lower() if ch.isalnum())


def _warn_shared_questions(entries, problems: list) -> None:
    """The same example question in two entries makes them compete for it: the one ranked first
    is chance. Warned (not refused) so a staff edit still builds."""
    first_seen: dict = {}
    for entry in entries:
        for lang in LANGS:
            for question in entry.questions.get(lang, []):
                key = _question_key(question)
                other = first_seen.setdefault(key, entry)
                if key and other is not entry:
                    problems.append(Problem(entry.path, entry._lines["questions"],
                                            f"the question '{question}' is also in {other.path}: keep it in "
                                            "the entry that answers it", "warning"))


def entry_text(title: dict, answer: dict, questions: dict, keywords: dict) -> str:
    """All the words of an entry, both languages (title, answer, questions, keywords), in one text:
    where the check and the answering rules look for a term the entry names."""
    texts = [title[lang] for lang in LANGS] + [answer[lang] for lang in LANGS]
    for lang in LANGS:
        texts += list(questions.get(lang, [])) + list(keywords.get(lang, []))
    return " ".join(texts)


def entry_mentions(entry, term: dict) -> bool:
    """Does the entry's text (either language: title, questions, keywords, answer) name the term?"""
    haystack = unicodedata.normalize("NFKC", entry_text(entry.title, entry.answer, entry.questions,
                                                        entry.keywords)).lower()
    names = []
    for key in ("ja", "romaji", "en"):   # "建設キャリアアップシステム / CCUS", "ceiling price (reserve price)"
        names += re.split(r"\s*[/／]\s*|\s*[（(][^)）]*[)）]\s*", str(term.get(key, "")))
    return any(len(n.strip()) >= 2 and unicodedata.normalize("NFKC", n.strip()).lower() in haystack for n in names)


def errors_in(problems) -> list:
    return [p for p in problems if p.severity == "error"]


def load_valid_knowledge(root: Path, today: dt.date | None = None) -> KnowledgeBase:
    kb, problems = load_knowledge(root, today)
    if errors_in(problems):
        raise KnowledgeError(problems)
    return kb
