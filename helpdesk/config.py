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
        "INDEX_CHECK_INTERVAL": float(os.environ.get("HELPDESK_INDEX_CHECK_INTERVAL", "1.0")),
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
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "helpdesk" / "translations"),
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "MAX_FORM_MEMORY_SIZE": 64 * 1024,
        "MAX_JSON_DEPTH": 16,
    }
