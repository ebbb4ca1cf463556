"""JSON API: /api/ask and /healthz (the contract is documented in README.md)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

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
