"""Did this answer help? POST /api/feedback (JSON) and POST /feedback (the form beside the best answer).

The ask_id of the question (random, returned with the answer) is what ties a vote to a question;
nothing identifies the person. A "no" shows the handover to a person.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy.exc import SQLAlchemyError

from ..presenting import present_contacts
from ..questionlog import ASK_ID, MAX_COMMENT_CHARS, UnknownAsk
from .asking import engine, has_lone_surrogate
from .i18n import ui_lang
from .limits import answering_limit
from .pages import embed_state
from .requestdata import BadBody, json_object

bp = Blueprint("feedback", __name__)
bp.before_request(embed_state)
log = logging.getLogger(__name__)


class BadFeedback(ValueError):
    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _store(ask_id, helpful, entry_id=None, comment=None) -> None:
    if not isinstance(ask_id, str) or not ASK_ID.match(ask_id):
        raise BadFeedback("ask_id must be the ask_id of an answer")
    if not isinstance(helpful, bool):
        raise BadFeedback("helpful must be true or false")
    if entry_id is not None and (not isinstance(entry_id, str) or not 0 < len(entry_id) <= 200):
        raise BadFeedback("entry_id must be an entry id (text of at most 200 characters)")
    if comment is not None and (not isinstance(comment, str) or len(comment) > MAX_COMMENT_CHARS):
        raise BadFeedback(f"comment must be text of at most {MAX_COMMENT_CHARS} characters")
    if any(isinstance(v, str) and ("\x00" in v or has_lone_surrogate(v)) for v in (ask_id, entry_id, comment)):
        raise BadFeedback("the feedback contains a character that cannot be processed")
    try:
        current_app.extensions["question_log"].add_feedback(ask_id, helpful, entry_id, comment)
    except UnknownAsk:
        raise BadFeedback("no answer with this ask_id (it may be older than the retention period)", 404) from None
    except (SQLAlchemyError, OSError) as exc:
        log.error("feedback not stored: %s", str(exc).splitlines()[0][:300])
        raise BadFeedback("feedback cannot be stored right now; please try again later", 503) from None


@bp.post("/api/feedback")
@answering_limit
def api_feedback():
    try:
        payload = json_object(("ask_id", "helpful", "entry_id", "comment"), '{"ask_id": "…", "helpful": true}')
    except BadBody as exc:
        return jsonify({"error": exc.message}), 400
    try:
        _store(payload.get("ask_id"), payload.get("helpful"), payload.get("entry_id"), payload.get("comment"))
    except BadFeedback as exc:
        return jsonify({"error": str(exc)}), exc.status
    return "", 204


@bp.post("/feedback")
@answering_limit
def form_feedback():
    """The no-JavaScript form: thank the user; on "no", offer a person to ask."""
    choice = request.form.get("helpful")
    helpful = {"yes": True, "no": False}.get(choice)
    status, error = 200, None
    try:
        _store(request.form.get("ask_id"), helpful, request.form.get("entry_id") or None,
               request.form.get("comment") or None)
    except BadFeedback as exc:
        status, error = exc.status, str(exc)
    contacts = present_contacts(engine(), ui_lang()) if helpful is False else []
    return render_template("feedback.html", helpful=helpful, error=error, contacts=contacts), status
