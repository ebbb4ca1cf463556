"""Rate limiting of the question API per client address (Flask-Limiter)."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app) -> None:
    limiter.init_app(app)


def ask_limit() -> str:
    from flask import current_app

    return current_app.config["RATELIMIT_ASK"]
