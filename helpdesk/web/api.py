"""JSON API: /api/ask and /healthz (the contract is documented in README.md)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from ..directories import search_centres
from .asking import BadQuestion, ask, engine
from .i18n import requested_lang
from .limits import ask_limit, limiter

bp = Blueprint("api", __name__)


@bp.get("/api/ask")
@limiter.limit(ask_limit)
def api_ask():
    try:
        lang = requested_lang()
        return jsonify(ask(request.args.get("q"), lang))
    except (BadQuestion, ValueError) as exc:
        return jsonify({"error": str(exc)}), 400


@bp.get("/healthz")
def healthz():
    eng = engine()
    return jsonify({"status": "ok", "generation": eng.generation, "entries": len(eng.entries)})


@bp.get("/api/centres")
def api_centres():
    """Consultancy desks for a prefecture typed in any script (all desks when q is empty)."""
    q = request.args.get("q", "")
    if len(q) > 100:
        return jsonify({"error": "q is longer than 100 characters"}), 400
    eng = engine()
    found = search_centres(eng.prefectures, q)
    keys = ("code", "prefecture", "organisation", "desk", "url", "phone", "as_of", "status", "notes", "sources")
    return jsonify({"query": q, "count": len(found), "centres": [{k: c.get(k) for k in keys} for c in found],
                    "national": eng.data.get("centres", {}).get("national", {})})
