"""Turning an answering decision into the JSON contract of /api/ask (also used by the pages)."""

from __future__ import annotations

from urllib.parse import quote

from .answering import Engine
from .deciding import Decision
from .directories import desk_status, international_phone
from .rendering import split_lead, to_html, to_text

LANGS = ("en", "ja")


def entry_url(entry_id: str, lang: str) -> str:
    return f"/entry/{entry_id}?lang={lang}"


def present_sources(sources: list) -> list:
    """Title and address of each source; `url` is null for a source with no web address
    (its title is then the full citation)."""
    return [{"title": s["title"], "url": s.get("url") or None} for s in sources or []]


def present_entry(entry: dict, lang: str, score: float, with_html: bool = False) -> dict:
    item = {
        "id": entry["id"], "topic": entry["topic"], "title": entry["title"][lang],
        "answer": to_text(entry["answer"][lang], lang), "url": entry_url(entry["id"], lang), "score": round(score, 4),
        "sources": present_sources(entry["sources"]),
    }
    if with_html:
        item["html"] = to_html(entry["answer"][lang], lang)
        lead, more = split_lead(entry["answer"][lang])
        item["lead_html"] = to_html(lead, lang)
        item["more_html"] = to_html(more, lang) if more else ""
        item["reviewed"] = entry["reviewed"]
    return item


DESK_STATUS_TEXT = {
    "confirmed": ("Confirmed from an official or chuokai page", "公式または中央会のページで確認済み"),
    "dated": ("From an older source: may be out of date", "古い資料による情報です。変わっている可能性があります"),
    "partial": ("Partly confirmed: some details are missing", "一部のみ確認済みです"),
    "unconfirmed": ("Not confirmed: please ask the national centre",
                    "未確認です。全国中小企業団体中央会にお問い合わせください"),
}


def desk_status_text(centre: dict, lang: str) -> str:
    """The desk's status in words, with the date of its source ('undated' when it has none)."""
    status = desk_status(centre)
    en, ja = DESK_STATUS_TEXT[status["level"]]
    if status["level"] == "unconfirmed":
        return ja if lang == "ja" else en
    when = status["as_of"]
    if lang == "ja":
        return f"{ja}（資料の日付：{when or '日付なし'}）"
    return f"{en} (source dated {when or 'undated'})"


def centre_markdown(centre: dict, lang: str) -> str:
    """A short answer card for one prefecture's consultancy desk, built from the directory."""
    ja = lang == "ja"
    org = centre["organisation"]["ja" if ja else "en"]
    lines = [f"**{org}**" + (f" — {centre['desk'][lang]}" if centre.get("desk", {}).get(lang) else "")]
    lines.append(("状況" if ja else "Status") + f": {desk_status_text(centre, lang)}")
    if centre.get("phone"):
        lines.append(("電話" if ja else "Phone") + f": {centre['phone']} ({international_phone(centre['phone'])})")
    if centre.get("url"):
        lines.append(("ウェブサイト" if ja else "Website") + f": <{centre['url']}>")
    note = (centre.get("notes") or {}).get(lang)
    if note:
        lines.append(note)
    return "\n\n".join(lines)


def present_centre(centre: dict, lang: str) -> dict:
    """A desk card. Its score is 1.0: the question named this prefecture, so the desk is
    certainly the one asked for (whether its details are confirmed is said in the text)."""
    pref_en = centre["prefecture"]["en"]
    title = (f"官公需総合相談センター（{centre['prefecture']['ja']}）" if lang == "ja"
             else f"Kankouju consultancy desk: {pref_en}")
    return {
        "id": f"centre-{centre['code']}", "topic": "kankouju", "title": title,
        "answer": to_text(centre_markdown(centre, lang), lang), "html": to_html(centre_markdown(centre, lang), lang),
        "lead_html": to_html(centre_markdown(centre, lang), lang), "more_html": "",
        "url": f"/centres?q={quote(pref_en)}&lang={lang}#centre-{centre['code']}", "score": 1.0,
        "sources": present_sources(centre.get("sources")),
    }


def present_definition(term: dict, lang: str) -> dict:
    """A glossary term the question names: shown beside the answers, never as one of them."""
    return {
        "term": term["ja"], "reading": term["kana"], "romaji": term["romaji"], "english": term["en"],
        "definition": term["definition"][lang], "url": f"/glossary?q={quote(term['romaji'])}&lang={lang}",
        "sources": present_sources(term.get("sources")),
    }


def contacts_for(engine: Engine, lang: str) -> list:
    """The contacts in the order that fits the UI language: those who answer in it first (their
    `languages`, Japanese when not given), then the others, each keeping the file's order."""
    contacts = list(engine.data.get("contacts", []))
    return sorted(contacts, key=lambda c: lang not in (c.get("languages") or ["ja"]))


def present_contacts(engine: Engine, lang: str) -> list:
    out = []
    for c in contacts_for(engine, lang):
        out.append({"name": c["name"][lang], "description": (c.get("description") or {}).get(lang, ""),
                    "url": c.get("url", ""), "phone": c.get("phone", ""), "email": c.get("email", ""),
                    "as_of": c.get("as_of", "")})
    return out


def handover_contacts(engine: Engine, lang: str) -> list:
    """The people to ask, for the pages' "Ask a person": as present_contacts, plus the phone in
    +81 form and whether the contact answers in the UI language."""
    out = []
    for c, shown in zip(contacts_for(engine, lang), present_contacts(engine, lang), strict=True):
        shown["phone_international"] = international_phone(shown["phone"]) if shown["phone"] else ""
        shown["speaks_ui_lang"] = lang in (c.get("languages") or ["ja"])
        out.append(shown)
    return out


def build_response(engine: Engine, decision: Decision, query: str, lang: str, with_html: bool = False) -> dict:
    answers = []
    if decision.centre:
        answers.append(present_centre(decision.centre, lang))
    entries = sorted(decision.answer_ids, key=lambda e: -decision.scores.get(e, 0.0))   # stable: rank order on ties
    for entry_id in entries:
        answers.append(present_entry(engine.entries[entry_id], lang, decision.scores.get(entry_id, 0.0), with_html))
    answers = answers[:3]
    if not with_html:
        for a in answers:
            for key in ("html", "lead_html", "more_html"):
                a.pop(key, None)
    definitions = [present_definition(t, lang) for t in decision.glossary_terms]
    answered = decision.answered and bool(answers or definitions)
    response = {
        "query": query, "lang": lang, "answered": answered,
        "answers": answers,
        "definitions": definitions,
        "did_you_mean": decision.analysis.did_you_mean,
        "related": [{"id": r, "title": engine.entries[r]["title"][lang], "url": entry_url(r, lang)}
                    for r in decision.related_ids],
        "contacts": [] if answered else present_contacts(engine, lang),
    }
    if with_html:   # the pages offer a person to ask beside every answer
        response["handover"] = handover_contacts(engine, lang)
    return response
