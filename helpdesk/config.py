"""Configuration: embedded defaults, overridable by HELPDESK_* environment variables.

Every setting is listed with its meaning in README.md ("Settings").
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def defaults() -> dict:
    return {
        "KNOWLEDGE_DIR": Path(os.environ.get("HELPDESK_KNOWLEDGE_DIR", ROOT / "knowledge")),
        "INDEX_DIR": Path(os.environ.get("HELPDESK_INDEX_DIR", ROOT / "indexes")),
        "PARTNERS_FILE": Path(os.environ.get("HELPDESK_PARTNERS_FILE", ROOT / "config" / "partners.yaml")),
        # Where a site asks for a partner key (an e-mail address or a web address), shown on /embed
        # and in the widget's "key not known" message.
        "PARTNER_CONTACT": os.environ.get("HELPDESK_PARTNER_CONTACT", "").strip(),
        "INDEX_CHECK_INTERVAL": float(os.environ.get("HELPDESK_INDEX_CHECK_INTERVAL", "1.0")),
        # gunicorn (config/gunicorn.conf.py) loads new generations on a background thread, so no
        # request waits for a switch; the development server and the tests switch in the request.
        "INDEX_SWITCH_IN_BACKGROUND": _flag("HELPDESK_INDEX_SWITCH_IN_BACKGROUND", False),
        # The address partners and users reach the service at; written into the embed snippet and,
        # when it is https, the reason to send Strict-Transport-Security. Never taken from Host.
        "PUBLIC_URL": os.environ.get("HELPDESK_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
        # Number of reverse proxies in front whose X-Forwarded-For / -Proto are trusted (0: none).
        "TRUSTED_PROXIES": _int("HELPDESK_TRUSTED_PROXIES", 0),
        # Per client address, for every route that answers or computes, shared by all of them.
        "RATELIMIT_ENABLED": _flag("HELPDESK_RATELIMIT_ENABLED", True),
        "RATELIMIT_ASK": os.environ.get("HELPDESK_RATELIMIT_ASK", "20 per second;600 per minute"),
        # memory:// is per process: each of HELPDESK_WORKERS workers then allows its share of the
        # limit. A shared store (redis://host:port) counts across workers and machines.
        "RATELIMIT_STORAGE_URI": os.environ.get("HELPDESK_RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "WORKERS": max(1, _int("HELPDESK_WORKERS", 1)),
        # The staff loop's database: SQLite under INSTANCE_DIR unless a SQLAlchemy URL is given.
        "INSTANCE_DIR": Path(os.environ.get("HELPDESK_INSTANCE_DIR", ROOT / "instance")),
        "DATABASE_URL": os.environ.get("HELPDESK_DATABASE_URL", ""),
        "QUESTION_RETENTION_DAYS": _int("HELPDESK_QUESTION_RETENTION_DAYS", 180),
        # Signs the staff session cookie; several machines must share one (set it). Without it, a
        # random key is kept in INSTANCE_DIR/secret_key (0600), created on first use.
        "SECRET_KEY": os.environ.get("HELPDESK_SECRET_KEY", ""),
        "RATELIMIT_LOGIN": os.environ.get("HELPDESK_RATELIMIT_LOGIN", "5 per minute;20 per hour"),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "helpdesk" / "translations"),
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "MAX_FORM_MEMORY_SIZE": 64 * 1024,
        "MAX_JSON_DEPTH": 16,
    }
