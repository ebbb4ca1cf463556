"""The keishin tables (``knowledge/keishin/*.yaml``) as validated, immutable Python objects.

The rules live in data so that staff can update them when the ministry revises a table; this
module refuses a file that is incomplete or inconsistent (a bracket table must be continuous at
every boundary), so a typo cannot silently change a score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from .fields import AUDIT_VALUES, CCUS_VALUES, INDICATOR_KEYS, STAFF_GRADES, WLB_VALUES
from .yamlfile import Note, Reader, TablesError, read_yaml

DEFAULT_TABLES_DIR = Path(__file__).resolve().parent.parent.parent / "knowledge" / "keishin"
BRACKET_TABLES = ("x1", "x21", "x22", "z1", "z2")
# Notes the calculator refers to; load_tables checks they exist in the YAML files.
REQUIRED_NOTES = ("average_rounding", "x22_average_rounding", "y_average_rounding", "y_cash_flow_one_period",
                  "w_rounding", "w_negative_rounding", "w_skills", "w_accountants_total", "w_both_orders",
                  "w_earlier_rules", "p_rounding")


@dataclass(frozen=True)
class Bracket:
    row: int  # 1-based, as in the published table
    start: int  # the YAML `from`
    end: int | None  # exclusive; None for the top row
    a: int
    b: int
    c: int

    def score(self, amount: int) -> int:
        return self.a * amount // self.b + self.c


@dataclass(frozen=True)
class BracketTable:
    key: str
    name: str
    label: dict
    source: tuple
    effective_from: dt.date
    unit: str
    brackets: tuple[Bracket, ...]  # descending by start, last start == 0
    confidence: tuple = ()

    def row_confidence(self, row: int) -> str | None:
        for item in self.confidence:
            lo, hi = item.get("rows", (0, 0))
            if lo <= row <= hi:
                return item.get("level")
        return None


@dataclass(frozen=True)
class Indicator:
    key: str
    coefficient: Decimal
    best: Decimal
    worst: Decimal
    unit: str
    en: str
    ja: str
    about: Mapping[str, str]  # {"en", "ja"}: one line on what it measures (shown beside the form field)

    @property
    def low(self) -> Decimal:
        return min(self.best, self.worst)

    @property
    def high(self) -> Decimal:
        return max(self.best, self.worst)


@dataclass(frozen=True)
class YTable:
    constant: Decimal
    multiplier: Decimal
    offset: Decimal
    clamp_min: int
    clamp_max: int
    indicator_decimals: int
    a_decimals: int
    total_capital_floor: int
    absolute_divisor: int
    indicators: Mapping[str, Indicator]
    source: tuple
    effective_from: dt.date


@dataclass(frozen=True)
class Multiplier:
    numerator: int
    denominator: int
    start: dt.date | None
    until: dt.date | None

    def applies(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.until is None or day <= self.until)

    def describe(self) -> str:
        if self.start and self.until:
            return f"{self.start.isoformat()} .. {self.until.isoformat()}"
        if self.start:
            return f"from {self.start.isoformat()}"
        return f"until {self.until.isoformat()}" if self.until else "always"


@dataclass(frozen=True)
class WTable:
    multipliers: tuple[Multiplier, ...]
    rounding: str  # truncate | half_up | floor
    negative_rounding: str  # toward_zero | floor
    points: Mapping[str, int]
    wlb: Mapping[str, int]
    ccus: Mapping[str, int]
    years: Mapping[str, int]
    audit: Mapping[str, int]
    accountants: tuple  # ((start, ((min Decimal, points), ...)), ...) descending
    rnd: tuple  # ((start, points), ...) descending
    rnd_requires_audit: str
    machines: tuple  # ((start, points), ...) descending
    source: tuple
    effective_from: dt.date

    def multiplier_for(self, day: dt.date) -> Multiplier:
        for m in self.multipliers:
            if m.applies(day):
                return m
        raise LookupError(f"no W multiplier for {day}")  # load_tables guarantees coverage


@dataclass(frozen=True)
class PTable:
    weights: Mapping[str, Decimal]
    bounds: tuple[int, int]
    x2: tuple[int, int, int]  # (weight X21, weight X22, divisor)
    z: tuple[int, int, int]  # (weight Z1, weight Z2, divisor)
    component_ranges: Mapping[str, tuple[int, int]]
    source: tuple
    effective_from: dt.date


@dataclass(frozen=True)
class Tables:
    x1: BracketTable
    x21: BracketTable
    x22: BracketTable
    z1: BracketTable
    z2: BracketTable
    y: YTable
    w: WTable
    p: PTable
    staff_points: Mapping[str, int]
    staff_grades: Mapping[str, Mapping]  # g1..g6: {"en", "ja", "about": {"en", "ja"}}
    notes: Mapping[str, Note]
    path: str

    def bracket_table(self, key: str) -> BracketTable:
        return getattr(self, key)



def _load_bracket_table(key: str, file: Path, notes: list[Note]) -> BracketTable:
    r = Reader(file)
    data = read_yaml(file)
    name, source, effective_from = r.header(data)
    label = r.get(data, "label", "", optional=True) or {"en": name, "ja": name}
    unit = r.text(r.get(data, "unit", ""), "unit")
    rows = r.seq(r.get(data, "brackets", ""), "brackets")
    brackets: list[Bracket] = []
    for i, row in enumerate(rows):
        p = f"brackets[{i}]"
        if not isinstance(row, dict):
            r.fail(p, "must be a mapping {from, a, b, c}")
        unknown = set(row) - {"from", "a", "b", "c"}
        if unknown:
            r.fail(p, f"unknown field(s) {sorted(unknown)}")
        start = r.integer(r.get(row, "from", p), f"{p}.from", minimum=0)
        a = r.integer(r.get(row, "a", p), f"{p}.a", minimum=0)
        b = r.integer(r.get(row, "b", p), f"{p}.b", minimum=1)
        c = r.integer(r.get(row, "c", p), f"{p}.c")
        end = brackets[-1].start if brackets else None
        if end is not None and start >= end:
            r.fail(f"{p}.from", f"rows must be ordered by `from`, highest first ({start} after {end})")
        brackets.append(Bracket(i + 1, start, end, a, b, c))
    if brackets[-1].start != 0:
        r.fail(f"brackets[{len(brackets) - 1}].from", "the last row must start at 0")
    # Continuity: at every boundary the formulas above and below agree to within 1 point and never fall.
    for upper, lower in zip(brackets, brackets[1:], strict=False):
        at, below = upper.score(upper.start), lower.score(upper.start - 1)
        other = lower.score(upper.start)
        if abs(at - other) > 1 or at < below:
            r.fail(f"brackets[{upper.row - 1}] / brackets[{lower.row - 1}]",
                   f"at {upper.start} this row gives {at} but the row below gives {other} (and {below} at "
                   f"{upper.start - 1}); the table must be continuous to within 1 point - check a, b and c")
    confidence = r.get(data, "confidence", "", optional=True) or []
    if not isinstance(confidence, list):
        r.fail("confidence", "must be a list")
    notes.extend(r.notes(data))
    return BracketTable(key, name, label, source, effective_from, unit, tuple(brackets), tuple(confidence))


def _load_y(file: Path, notes: list[Note]) -> YTable:
    r = Reader(file)
    data = read_yaml(file)
    _name, source, effective_from = r.header(data)
    clamp = r.mapping(r.get(data, "clamp", ""), "clamp")
    rounding = r.mapping(r.get(data, "rounding", ""), "rounding")
    raw_ind = r.mapping(r.get(data, "indicators", ""), "indicators")
    if set(raw_ind) != set(INDICATOR_KEYS):
        r.fail("indicators", f"must have exactly {', '.join(INDICATOR_KEYS)}")
    indicators = {}
    for k in INDICATOR_KEYS:
        item = raw_ind[k]
        p = f"indicators.{k}"
        indicators[k] = Indicator(
            k, r.decimal(r.get(item, "coefficient", p), f"{p}.coefficient"),
            r.decimal(r.get(item, "best", p), f"{p}.best"), r.decimal(r.get(item, "worst", p), f"{p}.worst"),
            str(r.get(item, "unit", p)), r.text(r.get(item, "en", p), f"{p}.en"),
            r.text(r.get(item, "ja", p), f"{p}.ja"), r.bilingual(r.get(item, "about", p), f"{p}.about"))
    clamp_min = r.integer(r.get(clamp, "min", "clamp"), "clamp.min")
    clamp_max = r.integer(r.get(clamp, "max", "clamp"), "clamp.max")
    if clamp_max <= clamp_min:
        r.fail("clamp.max", "must be greater than clamp.min")
    notes.extend(r.notes(data))
    return YTable(
        constant=r.decimal(r.get(data, "constant", ""), "constant"),
        multiplier=r.decimal(r.get(data, "multiplier", ""), "multiplier"),
        offset=r.decimal(r.get(data, "offset", ""), "offset"),
        clamp_min=clamp_min, clamp_max=clamp_max,
        indicator_decimals=r.integer(r.get(rounding, "indicators", "rounding"), "rounding.indicators", minimum=0),
        a_decimals=r.integer(r.get(rounding, "A", "rounding"), "rounding.A", minimum=0),
        total_capital_floor=r.integer(r.get(data, "total_capital_floor", ""), "total_capital_floor", minimum=0),
        absolute_divisor=r.integer(r.get(data, "absolute_divisor", ""), "absolute_divisor", minimum=1),
        indicators=indicators, source=source, effective_from=effective_from)


_W_POINT_KEYS = ("social_insurance_not_joined", "welfare_item", "young_staff_continuous", "young_staff_new",
                 "skills_max", "rehabilitation", "disaster_agreement", "suspension_order", "instruction_order",
                 "iso9001", "iso14001", "eco_action21", "environment_max")


def _load_w(file: Path, notes: list[Note]) -> WTable:
    r = Reader(file)
    data = read_yaml(file)
    _name, source, effective_from = r.header(data)
    multipliers = []
    for i, m in enumerate(r.seq(r.get(data, "multipliers", ""), "multipliers")):
        p = f"multipliers[{i}]"
        start = r.get(m, "from", p, optional=True)
        until = r.get(m, "until", p, optional=True)
        if start is None and until is None:
            r.fail(p, "needs `from` and/or `until`")
        multipliers.append(Multiplier(
            r.integer(r.get(m, "numerator", p), f"{p}.numerator", minimum=1),
            r.integer(r.get(m, "denominator", p), f"{p}.denominator", minimum=1),
            None if start is None else r.date(start, f"{p}.from"),
            None if until is None else r.date(until, f"{p}.until")))
    ordered = sorted(multipliers, key=lambda m: m.start or dt.date.min)
    if ordered[0].start is not None:
        r.fail("multipliers", "one rule must have no `from` (it covers every earlier date)")
    if ordered[-1].until is not None:
        r.fail("multipliers", "one rule must have no `until` (it covers every later date)")
    for prev, nxt in zip(ordered, ordered[1:], strict=False):
        if prev.until is None or nxt.start is None or nxt.start != prev.until + dt.timedelta(days=1):
            r.fail("multipliers", "the date ranges must follow each other without gap or overlap "
                                  "(`until` of one = the day before `from` of the next)")
    rounding = r.get(data, "rounding", "")
    if rounding not in ("truncate", "half_up", "floor"):
        r.fail("rounding", f"must be truncate, half_up or floor, got {rounding!r}")
    negative_rounding = r.get(data, "negative_rounding", "")
    if negative_rounding not in ("toward_zero", "floor"):
        r.fail("negative_rounding", f"must be toward_zero or floor, got {negative_rounding!r}")
    raw_points = r.mapping(r.get(data, "points", ""), "points")
    points = {k: r.integer(r.get(raw_points, k, "points"), f"points.{k}") for k in _W_POINT_KEYS}

    def enum_points(key: str, allowed: Mapping) -> dict:
        raw = r.mapping(r.get(data, key, ""), key)
        if set(raw) != set(allowed):
            r.fail(key, f"must have exactly the keys {', '.join(allowed)} (the calculator's list); got "
                        f"{', '.join(map(str, raw))}")
        return {k: r.integer(raw[k], f"{key}.{k}") for k in allowed}

    wlb = enum_points("wlb", WLB_VALUES)
    ccus = enum_points("ccus", CCUS_VALUES)
    audit = enum_points("audit", AUDIT_VALUES)
    raw_years = r.mapping(r.get(data, "years", ""), "years")
    years = {k: r.integer(r.get(raw_years, k, "years"), f"years.{k}", minimum=0)
             for k in ("free_years", "points_per_year", "max")}
    accountants = []
    for i, row in enumerate(r.seq(r.get(data, "accountants", ""), "accountants")):
        p = f"accountants[{i}]"
        start = r.integer(r.get(row, "from", p), f"{p}.from", minimum=0)
        if accountants and start >= accountants[-1][0]:
            r.fail(f"{p}.from", "rows must be ordered by `from`, highest first")
        thresholds = []
        for j, t in enumerate(r.seq(r.get(row, "thresholds", p), f"{p}.thresholds")):
            q = f"{p}.thresholds[{j}]"
            minimum = r.decimal(r.get(t, "min", q), f"{q}.min")
            pts = r.integer(r.get(t, "points", q), f"{q}.points", minimum=0)
            if thresholds and minimum >= thresholds[-1][0]:
                r.fail(f"{q}.min", "thresholds must be ordered by `min`, highest first")
            thresholds.append((minimum, pts))
        accountants.append((start, tuple(thresholds)))
    if accountants[-1][0] != 0:
        r.fail(f"accountants[{len(accountants) - 1}].from", "the last row must start at 0")
    rnd_requires_audit = r.get(data, "rnd_requires_audit", "")
    if rnd_requires_audit not in AUDIT_VALUES:
        r.fail("rnd_requires_audit", f"must be one of {', '.join(AUDIT_VALUES)}")
    notes.extend(r.notes(data))
    return WTable(tuple(multipliers), rounding, negative_rounding, points, wlb, ccus, years, audit,
                  tuple(accountants), r.step_table(r.get(data, "rnd", ""), "rnd"), rnd_requires_audit,
                  r.step_table(r.get(data, "machines", ""), "machines"), source, effective_from)


def _load_p(file: Path, notes: list[Note]) -> PTable:
    r = Reader(file)
    data = read_yaml(file)
    _name, source, effective_from = r.header(data)
    raw_w = r.mapping(r.get(data, "weights", ""), "weights")
    if set(raw_w) != {"X1", "X2", "Y", "Z", "W"}:
        r.fail("weights", "must have exactly X1, X2, Y, Z, W")
    weights = {k: r.decimal(v, f"weights.{k}") for k, v in raw_w.items()}
    if sum(weights.values()) != 1:
        r.fail("weights", f"must add up to 1, they add up to {sum(weights.values())}")
    if r.get(data, "rounding", "") != "half_up":
        r.fail("rounding", "only half_up is supported")
    combine = r.mapping(r.get(data, "combine", ""), "combine")

    def comb(name: str, a: str, b: str) -> tuple[int, int, int]:
        c = r.mapping(r.get(combine, name, "combine"), f"combine.{name}")
        if r.get(c, "rounding", f"combine.{name}") != "floor":
            r.fail(f"combine.{name}.rounding", "only floor is supported")
        return (r.integer(r.get(c, a, f"combine.{name}"), f"combine.{name}.{a}", minimum=0),
                r.integer(r.get(c, b, f"combine.{name}"), f"combine.{name}.{b}", minimum=0),
                r.integer(r.get(c, "divisor", f"combine.{name}"), f"combine.{name}.divisor", minimum=1))

    bounds = r.mapping(r.get(data, "bounds", ""), "bounds")
    ranges = r.mapping(r.get(data, "component_ranges", ""), "component_ranges")
    component_ranges = {k: (r.integer(r.get(v, "min", f"component_ranges.{k}"), f"component_ranges.{k}.min"),
                            r.integer(r.get(v, "max", f"component_ranges.{k}"), f"component_ranges.{k}.max"))
                        for k, v in ranges.items()}
    notes.extend(r.notes(data))
    return PTable(weights, (r.integer(r.get(bounds, "min", "bounds"), "bounds.min"),
                            r.integer(r.get(bounds, "max", "bounds"), "bounds.max")),
                  comb("X2", "X21", "X22"), comb("Z", "Z1", "Z2"), component_ranges, source, effective_from)


def load_tables(path: str | Path = DEFAULT_TABLES_DIR) -> Tables:
    """Read and validate ``x1, x21, x22, z1, z2, y, w, p .yaml`` from the folder ``path``.

    Raises :class:`TablesError` naming the file and the field for anything missing or malformed,
    including a bracket table that is not continuous at a boundary (a typo in a, b or c).
    """
    folder = Path(path)
    notes: list[Note] = []
    brackets = {k: _load_bracket_table(k, folder / f"{k}.yaml", notes) for k in BRACKET_TABLES}
    z1_file = folder / "z1.yaml"
    z1_data = read_yaml(z1_file)
    r = Reader(z1_file)
    raw_staff = r.mapping(r.get(z1_data, "staff_points", ""), "staff_points")
    if set(raw_staff) != set(STAFF_GRADES):
        r.fail("staff_points", f"must have exactly {', '.join(STAFF_GRADES)}")
    staff_points = {g: r.integer(raw_staff[g], f"staff_points.{g}", minimum=0) for g in STAFF_GRADES}
    raw_grades = r.mapping(r.get(z1_data, "staff_grades", ""), "staff_grades")
    if set(raw_grades) != set(STAFF_GRADES):
        r.fail("staff_grades", f"must have exactly {', '.join(STAFF_GRADES)}")
    staff_grades = {g: {"en": r.text(r.get(raw_grades[g], "en", f"staff_grades.{g}"), f"staff_grades.{g}.en"),
                        "ja": r.text(r.get(raw_grades[g], "ja", f"staff_grades.{g}"), f"staff_grades.{g}.ja"),
                        "about": r.bilingual(r.get(raw_grades[g], "about", f"staff_grades.{g}"),
                                             f"staff_grades.{g}.about")}
                    for g in STAFF_GRADES}
    y = _load_y(folder / "y.yaml", notes)
    w = _load_w(folder / "w.yaml", notes)
    p = _load_p(folder / "p.yaml", notes)
    by_id: dict[str, Note] = {}
    for note in notes:
        if note.id in by_id and by_id[note.id] != note:
            raise TablesError(folder, f"unconfirmed id {note.id!r}", "used twice with different texts")
        by_id[note.id] = note
    missing = [n for n in REQUIRED_NOTES if n not in by_id]
    if missing:
        raise TablesError(folder, "unconfirmed", f"missing note(s) the calculator refers to: {', '.join(missing)}")
    return Tables(staff_points=staff_points, staff_grades=staff_grades, y=y, w=w, p=p, notes=by_id, path=str(folder),
                  **brackets)


@lru_cache(maxsize=1)
def default_tables() -> Tables:
    """The tables in ``knowledge/keishin`` (cached; call ``default_tables.cache_clear()`` after edits)."""
    return load_tables(DEFAULT_TABLES_DIR)

