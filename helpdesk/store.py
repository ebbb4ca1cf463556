"""Keeps the engine of the index generation being served, and follows `kb build`.

Each web worker asks `current()` per request. At most every CHECK_INTERVAL seconds it reads the
CURRENT pointer; when it names a new generation, the worker verifies its checksums, opens it and
swaps engines. Under gunicorn this happens on a background thread (`background=True`): requests
keep the engine they have until the new one is ready, so no request pays for a switch.
Faults never leave a worker without an answer it could give:
- the named generation is damaged or unreadable → keep serving the one already open, or, when
  none is (a fresh worker), fall back to the newest intact generation on disk, and log it;
- the pointer has vanished → keep serving, or open the newest intact generation;
- there is no intact generation at all → IndexUnavailable, whose message says to run `kb build`.
A generation that failed is not retried until the pointer names another one.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from .answering import Engine
from .indexing import current_generation, generations_newest_first, load_generation, verify_generation
from .suggesting import suggester_for

CHECK_INTERVAL = 1.0
BUILD_COMMAND = "flask --app wsgi kb build"
log = logging.getLogger(__name__)


class IndexUnavailable(RuntimeError):
    """No usable index generation: the message says what to run."""


class EngineStore:
    def __init__(self, index_root: Path, check_interval: float = CHECK_INTERVAL, background: bool = False):
        self.index_root = Path(index_root)
        self.check_interval = check_interval
        self._engine: Engine | None = None
        self._checked_at = 0.0
        self._seen_pointer: str | None = None
        self._failed: dict[str, str] = {}
        self._lock = threading.Lock()
        self.last_error: str | None = None
        self.fallback = False   # True while serving something other than what CURRENT names
        self.background = background   # load a new generation on a thread; requests keep the old one
        self._loader: threading.Thread | None = None

    def pointer(self) -> str | None:
        return current_generation(self.index_root)

    def current(self) -> Engine:
        now = time.monotonic()
        if self._engine is not None and self.background:
            if now - self._checked_at >= self.check_interval and not (self._loader and self._loader.is_alive()):
                self._checked_at = now
                name = self.pointer()   # one small file read; a thread only when there is work to do
                if name != self._engine.generation and name not in self._failed:
                    self._loader = threading.Thread(target=self._refresh_locked, name="index-switch", daemon=True)
                    self._loader.start()
            return self._engine
        if self._engine is None or now - self._checked_at >= self.check_interval:
            with self._lock:
                if self._engine is None or now - self._checked_at >= self.check_interval:
                    self._refresh()
                    self._checked_at = now
        if self._engine is None:
            raise IndexUnavailable(self.last_error or f"no index has been built: run '{BUILD_COMMAND}'")
        return self._engine

    def _refresh_locked(self) -> None:
        with self._lock:
            self._refresh()

    def report_damage(self, engine: Engine, exc: BaseException) -> None:
        """A search failed on `engine`: if its files no longer verify, stop serving it."""
        with self._lock:
            if self._engine is not engine:
                return
            try:
                verify_generation(self.index_root / engine.generation)
            except Exception as damage:
                log.error("generation %s is damaged while serving (%s); switching away", engine.generation, damage)
                self._failed[engine.generation] = str(damage)
                self._engine = None
                self._refresh()
            else:
                log.error("search failed on intact generation %s: %r", engine.generation, exc)

    def _refresh(self) -> None:
        name = self.pointer()
        if name != self._seen_pointer:
            self._failed.pop(name or "", None)   # a new pointer deserves a fresh try
            self._seen_pointer = name
        if self._engine is not None and (name is None or name == self._engine.generation or name in self._failed):
            self.fallback = name != self._engine.generation
            return
        candidates = [name] if name else []
        if self._engine is None:
            candidates += [g for g in generations_newest_first(self.index_root) if g != name]
        for candidate in candidates:
            if candidate in self._failed:
                continue
            if self._open(candidate):
                self.fallback = candidate != name
                if self.fallback:
                    why = self._failed.get(name or "", "the CURRENT pointer is missing")
                    log.warning("serving generation %s instead of %s: %s", candidate, name, why)
                return
        if self._engine is not None:
            self.fallback = True
            log.warning("keeping generation %s: %s", self._engine.generation, self._failed.get(name or "", ""))
        else:
            problems = "; ".join(self._failed.values()) or f"no index in {self.index_root}"
            self.last_error = f"{problems}. Build one with '{BUILD_COMMAND}'."

    def _open(self, name: str) -> bool:
        try:
            data, vectors = load_generation(self.index_root, name)   # verifies the checksums as it loads
            engine = Engine(data, vectors, name)
            suggester_for(engine)   # built here, on the loading thread, so no request waits for it
            self._engine = engine
        except Exception as exc:  # keep serving the last good generation
            self._failed[name] = f"could not open generation {name}: {exc}"
            log.error(self._failed[name])
            return False
        self.last_error = None
        log.info("serving index generation %s (%d entries)", name, len(self._engine.entries))
        return True
