"""JSON API: /api/ask, /api/suggest, /api/centres, /healthz and the API's own description (/api/openapi.json).

The contract is documented in README.md and, machine-readably, in helpdesk/web/openapi.json.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request

from ..directories import find_desks
from ..store import IndexUnavailable
from ..suggesting import MAX_QUERY_CHARS as MAX_SUGGEST_CHARS
from ..suggesting import suggest
from ..textanalysis import detect_language
from .asking import BadQuestion, ask, engine, has_lone_surrogate
from .i18n import LANGS, requested_lang
from .limits import answering_limit
from .pages import regions
from .requestdata import BadBody, json_object

bp = Blueprint("api", __name__)
OPENAPI_FILE = Path(__file__).with_name("openapi.json")


@bp.get("/api/ask")
@answering_limit
def api_ask():
    try:
        return jsonify(ask(request.args.get("q"), requested_lang()))
    except (BadQuestion, ValueError) as exc:
        return jsonify({"error": str(exc)}), 400


@bp.post("/api/ask")
@answering_limit
def api_ask_post():
    """The same as GET, for questions too long for a URL: {"q": "...", "lang": "en"|"ja"}."""
    try:
        payload = json_object(("q", "lang"), '{"q": "what is keishin?"}')
    except BadBody as exc:
        return jsonify({"error": exc.message}), 400
    q, lang = payload.get("q"), payload.get("lang")
    if q is not None and not isinstance(q, str):
        return jsonify({"error": "q must be a string"}), 400
    if lang not in (None, "", *LANGS):
        return jsonify({"error": "lang must be 'en' or 'ja'"}), 400
    try:
        return jsonify(ask(q, lang or None))
    except BadQuestion as exc:
        return jsonify({"error": str(exc)}), 400


@bp.get("/api/suggest")
@answering_limit
def api_suggest():
    """Entry titles for what has been typed so far (the question box's suggestions), at most 8."""
    q = request.args.get("q")
    try:
        lang = requested_lang()
    except ValueError as exc:
        return jsonify({"error": str(exc)}), 400
    if q is None:
        return jsonify({"error": "parameter 'q' is missing (what has been typed so far)"}), 400
    if len(q) > MAX_SUGGEST_CHARS:
        return jsonify({"error": f"q is longer than {MAX_SUGGEST_CHARS} characters"}), 400
    if "\x00" in q or has_lone_surrogate(q):
        return jsonify({"error": "q contains a character that cannot be processed"}), 400
    lang = lang or detect_language(q)
    return jsonify({"query": q, "lang": lang, "suggestions": suggest(engine(), q, lang)})


@bp.get("/healthz")
def healthz():
    """What this worker serves: 200 with its generation, or 503 when it serves none."""
    store = current_app.extensions["engine_store"]
    try:
        eng = engine()
    except IndexUnavailable as exc:
        return jsonify({"status": "unavailable", "generation": None, "entries": 0, "worker": os.getpid(),
                        "error": str(exc), "partners": current_app.extensions["partners"].health()}), 503
    return jsonify({"status": "ok", "generation": eng.generation, "entries": len(eng.entries),
                    "worker": os.getpid(), "pointer": store.pointer(), "fallback": store.fallback,
                    "partners": current_app.extensions["partners"].health()})


@bp.get("/api/centres")
@answering_limit
def api_centres():
    """Consultancy desks for a prefecture typed in any script (all desks when q is empty)."""
    q = request.args.get("q", "")
    if len(q) > 100:
        return jsonify({"error": "q is longer than 100 characters"}), 400
    eng = engine()
    found, _region = find_desks(eng.prefectures, q, regions())   # the desk finder page's region table
    keys = ("code", "prefecture", "organisation", "desk", "url", "phone", "as_of", "status", "notes", "sources")
    return jsonify({"query": q, "count": len(found), "centres": [{k: c.get(k) for k in keys} for c in found],
                    "national": eng.data.get("centres", {}).get("national", {})})


@cache
def openapi_document() -> dict:
    return json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))


@bp.get("/api/openapi.json")
def openapi():
    return jsonify(openapi_document())
