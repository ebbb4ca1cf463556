"""Configuration: embedded defaults, overridable by HELPDESK_* environment variables."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def defaults() -> dict:
    return {
        "KNOWLEDGE_DIR": Path(os.environ.get("HELPDESK_KNOWLEDGE_DIR", ROOT / "knowledge")),
        "INDEX_DIR": Path(os.environ.get("HELPDESK_INDEX_DIR", ROOT / "indexes")),
        "PARTNERS_FILE": Path(os.environ.get("HELPDESK_PARTNERS_FILE", ROOT / "config" / "partners.yaml")),
        "INDEX_CHECK_INTERVAL": float(os.environ.get("HELPDESK_INDEX_CHECK_INTERVAL", "1.0")),
        # Per client address; the in-memory store is per worker process.
        "RATELIMIT_ENABLED": _flag("HELPDESK_RATELIMIT_ENABLED", True),
        "RATELIMIT_ASK": os.environ.get("HELPDESK_RATELIMIT_ASK", "20 per second;600 per minute"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "helpdesk" / "translations"),
        "MAX_CONTENT_LENGTH": 64 * 1024,
    }
