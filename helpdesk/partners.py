"""Partner sites allowed to embed the widget (config/partners.yaml): checked, and reloaded when changed.

- `check_partners(path)` reads the file and returns (partners, problems): every problem names the
  file and line (`flask --app wsgi kb check` prints them).
- `PartnerRegistry` keeps the partners of one worker. It looks at the file's modification time at
  most once per CHECK_INTERVAL seconds and reloads it when it changed, so adding a partner needs
  no restart. A file with any error is not taken: the last good list stays in force, the problem
  is logged once and `/healthz` reports it ("partners": {"status": "error", "problem": ...}).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path

from .knowledge import Problem, line_of, load_yaml

CHECK_INTERVAL = 1.0
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
ORIGIN = re.compile(r"^https?://(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:]+\])(?::\d{1,5})?$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
log = logging.getLogger("helpdesk.partners")


def check_partners(path: Path) -> tuple[dict, list]:
    """Partner key → {name, origins, lang, accent}, and the problems found (each with file and line)."""
    path = Path(path)
    problems: list[Problem] = []
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, [Problem(str(path), 1, "partners file is missing")]
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [Problem(str(path), 1, f"partners file cannot be read: {exc}")]
    data = load_yaml(text, str(path), problems)
    if problems:
        return {}, problems
    if data is None:
        data = {}
    if not isinstance(data, dict) or not isinstance(data.get("partners", {}) or {}, dict):
        return {}, [Problem(str(path), line_of(data), "the file needs a 'partners:' mapping of key → settings")]
    records = data.get("partners") or {}
    partners = {}
    for key, item in records.items():
        line = line_of(records, key)
        if not KEY.match(str(key)):
            problems.append(Problem(str(path), line, f"partner key {str(key)[:40]!r} may only hold letters, digits, "
                                                     "'-' and '_' (at most 64)"))
            continue
        if not isinstance(item, dict):
            problems.append(Problem(str(path), line, f"partner {key!r} needs settings (origins, lang, accent)"))
            continue
        origins = item.get("origins")
        if not isinstance(origins, list) or not origins:
            problems.append(Problem(str(path), line_of(item, "origins", line),
                                    f"partner {key!r} needs 'origins': a list such as [\"https://www.example.org\"]"))
            continue
        for i, origin in enumerate(origins):
            if not isinstance(origin, str) or not ORIGIN.match(origin):
                problems.append(Problem(str(path), line_of(origins, i, line_of(item, "origins", line)),
                                        f"partner {key!r}: {str(origin)[:80]!r} is not an origin: write scheme, "
                                        "host and port only, in lower case (https://www.example.org, "
                                        "http://localhost:3000), no path and no trailing slash"))
        lang = item.get("lang", "en")
        if lang not in ("en", "ja"):
            problems.append(Problem(str(path), line_of(item, "lang", line), f"partner {key!r}: lang must be en or ja"))
        accent = item.get("accent", "")
        if accent and not (isinstance(accent, str) and COLOUR.match(accent)):
            problems.append(Problem(str(path), line_of(item, "accent", line),
                                    f"partner {key!r}: accent must be a colour like \"#0b5394\" (in quotes)"))
        partners[str(key)] = {"origins": [o for o in origins if isinstance(o, str)], "lang": lang,
                              "accent": accent or "", "name": str(item.get("name") or key)}
    return partners, problems


class PartnerRegistry:
    """The partners one worker serves, following the file (see the module's docstring)."""

    def __init__(self, path: Path, check_interval: float = CHECK_INTERVAL):
        self.path = Path(path)
        self.check_interval = check_interval
        self._partners: dict = {}
        self._lock = threading.Lock()
        self._checked_at = 0.0
        self._seen: tuple | None = None
        self.problem: str | None = None
        self._refresh()
        self._checked_at = time.monotonic()

    def _stamp(self) -> tuple | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size, stat.st_ino

    def _refresh(self) -> None:
        stamp = self._stamp()
        if stamp == self._seen and self._seen is not None:
            return
        self._seen = stamp
        partners, problems = check_partners(self.path)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            self.problem = "; ".join(str(p) for p in errors[:3]) + (f" (and {len(errors) - 3} more)"
                                                                  if len(errors) > 3 else "")
            log.error("partners file not loaded, keeping the %d partner(s) loaded before: %s",
                      len(self._partners), self.problem)
            return
        if self._partners or partners:
            log.info("partners loaded from %s: %d", self.path, len(partners))
        self._partners = partners
        self.problem = None

    def current(self) -> dict:
        now = time.monotonic()
        if now - self._checked_at >= self.check_interval:
            with self._lock:
                if now - self._checked_at >= self.check_interval:
                    self._refresh()
                    self._checked_at = now
        return self._partners

    def get(self, key: str | None) -> dict | None:
        return self.current().get(key) if key else None

    def __iter__(self):
        return iter(self.current())

    def __len__(self) -> int:
        return len(self.current())

    def health(self) -> dict:
        partners = self.current()
        if self.problem:
            return {"status": "error", "count": len(partners), "problem": self.problem}
        return {"status": "ok", "count": len(partners)}
