"""Reading the staff-edited YAML files in ``knowledge/keishin``: every error names the file and the field.

Staff update these files by hand when the ministry revises a table, so a mistake must be reported
where it is (``x1.yaml: brackets[40].b: must be at least 1``), never as a stack trace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

import yaml

from ..knowledge import as_date
from .fields import join_path


class TablesError(ValueError):
    """A knowledge/keishin YAML file is missing or invalid; names the file and the field."""

    def __init__(self, file: str | Path, field: str, message: str):
        super().__init__(f"{file}: {field}: {message}")
        self.file = str(file)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Note:
    """A bilingual note on a reading that is not confirmed (level U) or disputed (level D)."""

    id: str
    level: str
    en: str
    ja: str

    def to_dict(self) -> dict:
        return {"id": self.id, "level": self.level, "en": self.en, "ja": self.ja}


class Reader:
    """Validation helpers bound to one file; every error names the file and the field path."""

    def __init__(self, file: Path):
        self.file = file

    def fail(self, field_path: str, message: str) -> NoReturn:
        raise TablesError(self.file, field_path, message)

    def get(self, data: Any, key: str, path: str, *, optional: bool = False):
        if not isinstance(data, dict):
            self.fail(path or "(top level)", "must be a mapping")
        if key not in data:
            if optional:
                return None
            self.fail(join_path(path, key), "is missing")
        return data[key]

    def mapping(self, value: Any, path: str) -> dict:
        if not isinstance(value, dict) or not value:
            self.fail(path, "must be a non-empty mapping")
        return value

    def seq(self, value: Any, path: str) -> list:
        if not isinstance(value, list) or not value:
            self.fail(path, "must be a non-empty list")
        return value

    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, "must be a non-empty text")
        return value

    def bilingual(self, value: Any, path: str) -> dict[str, str]:
        """``{en: …, ja: …}``, both non-empty texts."""
        return {lang: self.text(self.get(value, lang, path), f"{path}.{lang}") for lang in ("en", "ja")}

    def integer(self, value: Any, path: str, *, minimum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"must be a whole number, got {value!r}")
        if minimum is not None and value < minimum:
            self.fail(path, f"must be at least {minimum}, got {value}")
        return value

    def decimal(self, value: Any, path: str) -> Decimal:
        if isinstance(value, bool | float):
            self.fail(path, f"write decimals as quoted text (e.g. \"0.25\"), got {value!r}")
        if isinstance(value, int):
            return Decimal(value)
        if isinstance(value, str):
            try:
                d = Decimal(value.strip())
            except ArithmeticError:
                d = None
            if d is not None and d.is_finite():
                return d
        self.fail(path, f"must be a decimal number in quotes, got {value!r}")

    def date(self, value: Any, path: str) -> dt.date:
        day = as_date(value)
        if day is None:
            self.fail(path, f"must be a date YYYY-MM-DD, got {value!r}")
        return day

    def header(self, data: dict) -> tuple[str, tuple, dt.date]:
        """The fields every table file starts with: name, sources and date of effect."""
        name = self.text(self.get(data, "name", ""), "name")
        return name, self.sources(data), self.date(self.get(data, "effective_from", ""), "effective_from")

    def sources(self, data: dict) -> tuple:
        items = self.seq(self.get(data, "source", ""), "source")
        out = []
        for i, item in enumerate(items):
            title = self.text(self.get(item, "title", f"source[{i}]"), f"source[{i}].title")
            url = self.text(self.get(item, "url", f"source[{i}]"), f"source[{i}].url")
            if not url.startswith(("https://", "http://")):
                self.fail(f"source[{i}].url", "must start with https:// or http://")
            out.append({"title": title, "url": url})
        return tuple(out)

    def notes(self, data: dict) -> list[Note]:
        raw = self.get(data, "unconfirmed", "", optional=True)
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.fail("unconfirmed", "must be a list (may be empty: [])")
        notes = []
        for i, item in enumerate(raw):
            p = f"unconfirmed[{i}]"
            note_id = self.text(self.get(item, "id", p), f"{p}.id")
            level = self.text(self.get(item, "level", p), f"{p}.level")
            if level not in ("U", "D"):
                self.fail(f"{p}.level", f"must be U or D, got {level!r}")
            notes.append(Note(note_id, level, self.text(self.get(item, "en", p), f"{p}.en").strip(),
                              self.text(self.get(item, "ja", p), f"{p}.ja").strip()))
        return notes

    def step_table(self, value: Any, path: str, points_key: str = "points") -> tuple:
        rows = self.seq(value, path)
        out = []
        for i, row in enumerate(rows):
            start = self.integer(self.get(row, "from", f"{path}[{i}]"), f"{path}[{i}].from", minimum=0)
            pts = self.integer(self.get(row, points_key, f"{path}[{i}]"), f"{path}[{i}].{points_key}")
            if out and start >= out[-1][0]:
                self.fail(f"{path}[{i}].from", "rows must be ordered by `from`, highest first")
            out.append((start, pts))
        if out[-1][0] != 0:
            self.fail(f"{path}[{len(rows) - 1}].from", "the last row must start at 0")
        return tuple(out)


def read_yaml(file: Path) -> dict:
    """The file's top-level mapping; TablesError for a missing, unreadable or malformed file."""
    if not file.is_file():
        raise TablesError(file, "(file)", "file not found")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        raise TablesError(file, where, f"YAML syntax error: {getattr(exc, 'problem', exc)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TablesError(file, "(file)", f"cannot be read: {exc}") from None
    if not isinstance(data, dict):
        raise TablesError(file, "(top level)", "must be a mapping of fields")
    return data

