"""Errors as clear messages: JSON for the API, a page for browsers, never a stack trace.

Handlers must not fail themselves: everything they read about the request (language, partner)
goes through `requestdata.param`, which never raises, and rendering the error page has a plain
text fallback.
"""

from __future__ import annotations

import logging
import math
import time

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..store import IndexUnavailable
from .limits import limiter

log = logging.getLogger(__name__)

RATE_LIMITED = ("Too many requests from your address. Please wait {s} seconds and try again. / "
                "アクセスが集中しています。{s}秒ほど待ってから、もう一度お試しください。")
INDEX_MISSING = ("The knowledge index is not available: {detail} / "
                 "ナレッジの索引がありません。管理者は 'flask --app wsgi kb build' を実行してください。")


# Clearer words than werkzeug's defaults, in both languages (used when a view gave no description).
PLAIN_MESSAGES = {
    400: "The request could not be read. / リクエストを読み取れませんでした。",
    404: "There is no page at this address. / このアドレスのページはありません。",
    405: "This address does not accept this request method. / このアドレスはこの種類のリクエストを受け付けません。",
    413: "The request is too large: at most 64 KB can be sent. / リクエストが大きすぎます（64 KB まで）。",
    431: "The request headers are too large. / リクエストヘッダーが大きすぎます。",
}


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/data/")) or request.path == "/healthz"


def _respond(status: int, message: str, headers: dict | None = None):
    if _wants_json():
        response = jsonify({"error": message})
    else:
        try:
            response = render_template("error.html", status=status, message=message)
        except Exception:  # the page itself failed: a plain message still beats a 500
            log.exception("error page could not be rendered for %s", status)
            response = (message, {"Content-Type": "text/plain; charset=utf-8"})
    if isinstance(response, tuple):
        return response[0], status, {**response[1], **(headers or {})}
    return response, status, headers or {}


def _retry_after() -> int:
    """Seconds until the limit that was hit lets this address in again."""
    try:
        return max(1, math.ceil(limiter.current_limit.reset_at - time.time()))
    except Exception:
        return 1


def init_app(app) -> None:
    @app.errorhandler(429)
    def rate_limited(exc):
        seconds = _retry_after()
        return _respond(429, RATE_LIMITED.format(s=seconds), {"Retry-After": str(seconds)})

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        default = exc.description is None or exc.description == type(exc).description
        message = PLAIN_MESSAGES.get(code, exc.name) if default else exc.description
        return _respond(code, message)

    @app.errorhandler(IndexUnavailable)
    def no_index(exc):
        log.error("index unavailable: %s", exc)
        return _respond(503, INDEX_MISSING.format(detail=exc))

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unexpected error on %s", request.path)
        return _respond(500, "Something went wrong on our side. Please try again.")
