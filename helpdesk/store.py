"""Keeps the engine of the index generation being served, and follows `kb build`.

Each web worker asks `current()` per request. At most every CHECK_INTERVAL seconds it reads the
CURRENT pointer; when it names a new generation, the worker opens it and swaps engines. If the
new generation cannot be opened, the worker keeps serving the old one and logs why.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from .answering import Engine
from .indexing import current_generation, open_generation

CHECK_INTERVAL = 1.0
log = logging.getLogger(__name__)


class IndexUnavailable(RuntimeError):
    """No index generation has been built yet (run `flask --app wsgi kb build`)."""


class EngineStore:
    def __init__(self, index_root: Path, check_interval: float = CHECK_INTERVAL):
        self.index_root = Path(index_root)
        self.check_interval = check_interval
        self._engine: Engine | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self.last_error: str | None = None

    def current(self) -> Engine:
        now = time.monotonic()
        if self._engine is None or now - self._checked_at >= self.check_interval:
            with self._lock:
                if self._engine is None or now - self._checked_at >= self.check_interval:
                    self._refresh()
                    self._checked_at = now
        if self._engine is None:
            raise IndexUnavailable(self.last_error or "no index has been built")
        return self._engine

    def _refresh(self) -> None:
        name = current_generation(self.index_root)
        if name is None or (self._engine is not None and self._engine.generation == name):
            if name is None and self._engine is None:
                self.last_error = f"no index in {self.index_root}: run 'flask --app wsgi kb build'"
            return
        try:
            ix, data = open_generation(self.index_root, name)
            self._engine = Engine(ix, data, name)
            self.last_error = None
            log.info("serving index generation %s (%d entries)", name, len(data["entries"]))
        except Exception as exc:  # keep serving the last good generation
            self.last_error = f"could not open generation {name}: {exc}"
            log.error(self.last_error)
