"""The one path from a raw question to a response, shared by the API and the pages."""

from __future__ import annotations

import logging

from flask import current_app, g
from flask_babel import gettext as _

from ..answering import MAX_QUERY_CHARS
from ..deciding import decide
from ..presenting import build_response
from ..textanalysis import detect_language

log = logging.getLogger("helpdesk.unanswered")


class BadQuestion(ValueError):
    """The question cannot be asked as given; the message says why, for the user."""


def engine():
    return current_app.extensions["engine_store"].current()


def has_lone_surrogate(text: str) -> bool:
    """JSON may carry "\\ud800" alone: not a character, and it cannot be stored or encoded."""
    return any("\ud800" <= ch <= "\udfff" for ch in text)


def validate_question(raw: str | None) -> str:
    if raw is None:
        raise BadQuestion(_("Please type a question (parameter 'q' is missing)."))
    text = raw.strip()
    if not text:
        raise BadQuestion(_("Please type a question; it is empty."))
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuestion(_("The question is too long (%(n)d characters); the limit is %(limit)d.",
                            n=len(text), limit=MAX_QUERY_CHARS))
    if "\x00" in text or has_lone_surrogate(text):
        raise BadQuestion(_("The question contains a character that cannot be processed."))
    return text


def respond(text: str, lang: str | None, with_html: bool = False):
    """(response, decision, engine, question language) for a validated question; records nothing.
    `kb measure` answers question sets through this, so they never enter the staff's question log."""
    eng = engine()
    try:
        decision = decide(eng, text)
    except Exception as exc:  # a damaged index file: the store switches to an intact generation
        current_app.extensions["engine_store"].report_damage(eng, exc)
        eng = engine()
        decision = decide(eng, text)
    question_lang = detect_language(text)
    response = build_response(eng, decision, text, lang or question_lang, with_html=with_html)
    return response, decision, eng, question_lang


def ask(raw: str | None, lang: str | None, with_html: bool = False, channel: str = "api") -> dict:
    """Answer a question and record it for staff (channel: api, page or widget).

    `lang` is the language the user wants the answer in (None: the question's script).
    """
    text = validate_question(raw)
    response, decision, eng, question_lang = respond(text, lang, with_html)
    response["ask_id"] = current_app.extensions["question_log"].record(
        question=text, question_lang=question_lang, ui_lang=response["lang"], partner=g.get("partner_key") or None,
        channel=channel, answered=response["answered"], confidence=decision.confidence,
        shown=[[a["id"], a["score"]] for a in response["answers"]], generation=eng.generation)
    if not decision.answered:
        # Also one log line (at most 200 characters, escaped), for operators without database access.
        log.info("unanswered: %r (confidence %.2f)", text[:200], decision.confidence)
    return response
