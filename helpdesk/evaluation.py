"""Answer-quality measurement against question sets (shared/eval and tests/eval).

topic@1: the first answer has the expected topic (for `answered: false` items: the assistant
declines). fact@3: the item's regex matches the title or text of one of the top three answers.

The loop on real visitor questions (`flask kb sample-questions`, then `flask kb measure`):
`draw_sample` picks recorded questions nobody has labelled yet, staff label them (topic and
fact, or `answered: false`) without asking the assistant, and `check_question_set` refuses a
set with an unlabelled or malformed item (file and line) before `measure_items` counts.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import yaml

from .knowledge import TOPICS, Problem, load_yaml
from .questionlog import question_key

LANGUAGES = ("en", "ja")
# Questions holding an e-mail address or a phone number are not exported for labelling: a
# visitor's contact details have no place in a file that is passed around and committed.
PERSONAL_DATA = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+|\+?\d[\d ().-]{8,}\d")


def load_questions(path: Path) -> list:
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    return [item for item in items if isinstance(item, dict) and item.get("q")]


def judge(item: dict, response: dict) -> dict:
    expected_answered = item.get("answered", True)
    answers = response.get("answers", [])
    if expected_answered is False:
        topic_ok = not response.get("answered")
    else:
        topic_ok = bool(response.get("answered")) and bool(answers) and answers[0]["topic"] == item.get("topic")
    fact_ok = None
    if item.get("fact"):
        pattern = re.compile(item["fact"], re.IGNORECASE)
        fact_ok = any(pattern.search(a["title"]) or pattern.search(a["answer"]) for a in answers[:3])
    return {"topic_ok": topic_ok, "fact_ok": fact_ok}


def evaluate(ask, items: list) -> dict:
    """Run every item through `ask(q, lang) -> response dict`; return scores and failures.
    The module's way of counting (tests/test_quality.py): an off-topic item counts in topic@1,
    right when declined. Counted by `measure_items`, per language and for "all"."""
    items = [{**item, "lang": item.get("lang", "en")} for item in items]
    result = measure_items(ask, items)
    scores = {}
    for key, langs in (("all", LANGUAGES), *((lang, (lang,)) for lang in LANGUAGES)):
        n = sum(result["figures"][lang]["on_topic"] + result["figures"][lang]["off_topic"] for lang in langs)
        if not n:
            continue
        right = sum(result["figures"][lang]["topic_ok"] + result["figures"][lang]["declined"] for lang in langs)
        fact_n = sum(result["figures"][lang]["fact_n"] for lang in langs)
        fact = sum(result["figures"][lang]["fact_ok"] for lang in langs)
        scores[key] = {"n": n, "topic@1": right / n, "fact@3": fact / fact_n if fact_n else None, "fact_n": fact_n}
    failures = [f"{m['q']!r} ({m['lang']}): expected {'no answer' if m['expected'] == 'declined' else m['expected']}"
                f"{' fact ' + m['fact'] if m.get('fact_ok') is False else ''}; got {m['shown']}"
                for m in result["misses"]]
    return {"scores": scores, "failures": failures}


def format_scores(name: str, result: dict) -> str:
    lines = [f"{name}:"]
    for key in sorted(result["scores"], key=lambda k: (k != "all", k)):
        s = result["scores"][key]
        fact = f"{s['fact@3']:.1%} of {s['fact_n']}" if s["fact@3"] is not None else "-"
        lines.append(f"  {key:>4}: n={s['n']:3d}  topic@1={s['topic@1']:.1%}  fact@3={fact}")
    return "\n".join(lines)


# ---------------------------------------------------------------- labelled sets from the question log

def check_question_set(path: Path) -> tuple[list, list]:
    """(items, problems) of a labelled question set. Every item needs `q`, `lang` (en or ja) and
    either a `topic` or `answered: false`; a `fact` must be a valid regular expression. Any
    problem (with its line) means the set is not measured: a half-labelled set measures nothing."""
    problems: list = []
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(name, 1, f"cannot read the file: {getattr(exc, 'strerror', None) or exc}")]
    data = load_yaml(text, name, problems)
    if problems:
        return [], problems
    if not isinstance(data, list) or not data:
        return [], [Problem(name, 1, "a question set is a YAML list of items (- {q: ..., lang: ..., topic: ...})")]
    items = []
    for i, item in enumerate(data):
        line = data.lines[i]
        found = []
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or not item["q"].strip():
            problems.append(Problem(name, line, "each item needs 'q': the question as it was asked"))
            continue
        if item.get("lang") not in LANGUAGES:
            found.append("'lang' must be en or ja (the language of the question)")
        answered, topic = item.get("answered", True), item.get("topic")
        if answered is False:
            if topic:
                found.append("an off-topic item ('answered: false') has no 'topic'")
        elif answered is not True:
            found.append("'answered' is false for an off-topic question; otherwise leave it out")
        elif topic is None or topic == "":
            found.append(f"not labelled: set 'topic' to one of {', '.join(TOPICS)}, or 'answered: false'")
        elif topic not in TOPICS:
            found.append(f"'topic' must be one of {', '.join(TOPICS)} (found {topic!r})")
        fact = item.get("fact")
        if fact is not None:
            if not isinstance(fact, str) or not fact.strip():
                found.append("'fact' is a regular expression the right answer contains, or left out")
            else:
                try:
                    re.compile(fact)
                except re.error as exc:
                    found.append(f"'fact' is not a valid regular expression: {exc}")
        problems += [Problem(name, line, message) for message in found]
        if not found:
            items.append(dict(item))
    return items, problems


def known_question_keys(paths) -> set:
    """question_key of every question in the given sets (files, or folders of *.yaml files)."""
    keys = set()
    for path in map(Path, paths):
        files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        for file in files:
            try:
                items = load_questions(file)
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
            keys.update(question_key(item["q"]) for item in items if isinstance(item.get("q"), str))
    return keys


def draw_sample(rows: list, per_language: int, seed: int, known_keys: set) -> tuple[list, dict]:
    """Draw up to `per_language` distinct recorded questions per language, at random (`seed`
    makes the draw repeatable), leaving out questions already in a set and ones holding personal
    data. Each distinct question counts once, however often it was asked: the sample measures
    the range of questions, the gaps report measures frequency. Returns (sample, counts)."""
    latest: dict = {}
    for row in rows:
        latest[row["question_key"]] = row          # rows come oldest first: the latest wording wins
    counts = {"asked": len(rows), "distinct": len(latest), "in_sets": 0, "personal": 0,
              "available": dict.fromkeys(LANGUAGES, 0), "drawn": dict.fromkeys(LANGUAGES, 0)}
    pools: dict = {lang: [] for lang in LANGUAGES}
    for key in sorted(latest):
        row = latest[key]
        if key in known_keys:
            counts["in_sets"] += 1
        elif PERSONAL_DATA.search(row["question"]):
            counts["personal"] += 1
        elif row["question_lang"] in pools:
            pools[row["question_lang"]].append(row)
    rng = random.Random(seed)
    sample = []
    for lang in LANGUAGES:
        counts["available"][lang] = len(pools[lang])
        drawn = rng.sample(pools[lang], min(per_language, len(pools[lang])))
        counts["drawn"][lang] = len(drawn)
        sample += [{"q": row["question"], "lang": lang, "asked": row["asked_at"].date().isoformat()} for row in drawn]
    return sample, counts


def sample_yaml(sample: list, header: list) -> str:
    """The sample as a question set to label: one item per line, topic and fact left empty."""
    lines = [f"# {line}".rstrip() for line in header]
    for item in sample:
        q = json.dumps(item["q"], ensure_ascii=False)   # a JSON string is a YAML double-quoted scalar
        lines.append(f'- {{q: {q}, lang: {item["lang"]}, topic: , fact: , '
                     f'src: "visitor question (question log), asked {item["asked"]}"}}')
    return "\n".join(lines) + "\n"


def measure_items(ask, items: list) -> dict:
    """Figures per language that mean what they say: topic@1 and fact@3 over the on-topic items
    (fact@3 over those with a fact), and how many off-topic items were declined; plus the misses."""
    figures = {lang: {"on_topic": 0, "topic_ok": 0, "fact_n": 0, "fact_ok": 0, "off_topic": 0, "declined": 0}
               for lang in LANGUAGES}
    misses = []
    for item in items:
        response = ask(item["q"], item["lang"])
        verdict = judge(item, response)
        bucket = figures[item["lang"]]
        shown = [a["id"] for a in response.get("answers", [])[:3]]
        if item.get("answered") is False:
            bucket["off_topic"] += 1
            bucket["declined"] += verdict["topic_ok"]
            if not verdict["topic_ok"]:
                misses.append({"q": item["q"], "lang": item["lang"], "expected": "declined", "shown": shown})
            continue
        bucket["on_topic"] += 1
        bucket["topic_ok"] += verdict["topic_ok"]
        if verdict["fact_ok"] is not None:
            bucket["fact_n"] += 1
            bucket["fact_ok"] += verdict["fact_ok"]
        if not verdict["topic_ok"] or verdict["fact_ok"] is False:
            misses.append({"q": item["q"], "lang": item["lang"], "expected": item["topic"], "fact": item.get("fact"),
                           "topic_ok": verdict["topic_ok"], "fact_ok": verdict["fact_ok"], "shown": shown})
    return {"figures": figures, "misses": misses}
