"""Answer-quality measurement against question sets (shared/eval and tests/eval).

topic@1: the first answer has the expected topic (for `answered: false` items: the assistant
declines). fact@3: the item's regex matches the title or text of one of the top three answers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import yaml


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
    """Run every item through `ask(q, lang) -> response dict`; return scores and failures."""
    per = defaultdict(lambda: {"n": 0, "topic": 0, "fact_n": 0, "fact": 0})
    failures = []
    for item in items:
        response = ask(item["q"], item.get("lang", "en"))
        verdict = judge(item, response)
        for key in ("all", item.get("lang", "en")):
            bucket = per[key]
            bucket["n"] += 1
            bucket["topic"] += verdict["topic_ok"]
            if verdict["fact_ok"] is not None:
                bucket["fact_n"] += 1
                bucket["fact"] += verdict["fact_ok"]
        if not verdict["topic_ok"] or verdict["fact_ok"] is False:
            got = [(a["id"], a["topic"]) for a in response.get("answers", [])[:3]]
            failures.append(f"{item['q']!r} ({item.get('lang')}): expected {item.get('topic', 'no answer')}"
                            f"{' fact ' + item['fact'] if verdict['fact_ok'] is False else ''}; got {got}")
    scores = {}
    for key, b in per.items():
        scores[key] = {"n": b["n"], "topic@1": b["topic"] / b["n"] if b["n"] else 0.0,
                       "fact@3": b["fact"] / b["fact_n"] if b["fact_n"] else None, "fact_n": b["fact_n"]}
    return {"scores": scores, "failures": failures}


def format_scores(name: str, result: dict) -> str:
    lines = [f"{name}:"]
    for key in sorted(result["scores"], key=lambda k: (k != "all", k)):
        s = result["scores"][key]
        fact = f"{s['fact@3']:.1%} of {s['fact_n']}" if s["fact@3"] is not None else "-"
        lines.append(f"  {key:>4}: n={s['n']:3d}  topic@1={s['topic@1']:.1%}  fact@3={fact}")
    return "\n".join(lines)
