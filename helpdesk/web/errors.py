"""Errors as clear messages: JSON for the API, a page for browsers, never a stack trace."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..store import IndexUnavailable

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _respond(status: int, message: str):
    if _wants_json():
        return jsonify({"error": message}), status
    return render_template("error.html", status=status, message=message), status


def init_app(app) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _respond(exc.code or 500, exc.description or exc.name)

    @app.errorhandler(IndexUnavailable)
    def no_index(exc):
        log.error("index unavailable: %s", exc)
        return _respond(503, "The knowledge index is not available yet. Please try again shortly.")

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unexpected error on %s", request.path)
        return _respond(500, "Something went wrong on our side. Please try again.")
