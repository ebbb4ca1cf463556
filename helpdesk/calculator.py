"""Keishin (経営事項審査) P-score calculator: pure functions, no web framework.

The rules and every bracket table live in ``knowledge/keishin/*.yaml`` so that staff can update them
when the ministry revises the tables; :func:`load_tables` reads and validates them. All arithmetic
is on integers, :class:`~decimal.Decimal` and :class:`~fractions.Fraction`; binary floats never decide
a rounding step (a float from JSON is converted through its shortest ``repr``).

Overview (per industry 業種; X2, Y and W are company-wide)::

    P  = 0.25·X1 + 0.15·X2 + 0.20·Y + 0.25·Z + 0.15·W      rounded half up (四捨五入)
    X1, X21, X22, Z1, Z2 = floor(a·A / b) + c              bracket row: from ≤ A < next higher from
    X2 = floor((X21 + X22) / 2)                            negative equity / X22 input counts as 0
    Z  = floor((4·Z1 + Z2) / 5)
    Y  = 167.3·A + 583, half up, clamped to 0..1595;  A = Σ coef·x + 0.1906, half up to 2 decimals
    W  = (W1 + … + W8) × 1750/200 (screening day ≥ 2023-08-14; before: × 1900/200), truncated

Amounts are in 千円 (thousand yen). A fractional amount (an average) is rounded half up to whole
千円 (unconfirmed reading, flagged in the explanation). "Half up" for a negative value rounds away
from zero, as 四捨五入 of the absolute value.

Input payload (see :func:`parse_input`; every amount in 千円)::

    {"review_date": "YYYY-MM-DD",                      # 審査基準日, required
     "industries": [                                    # 1..30, required
        {"name": str,                                   # 業種 name, unique
         "completed_works": number,                     # X1: 年間平均完成工事高 (2- or 3-year average)
         "prime_completed_works": number,               # Z2: 元請完成工事高 (same average), ≤ completed_works
         "staff_value": number                          # Z1: 技術職員数値, or instead:
         "staff": {"g1": int, ..., "g6": int}}],        #   counts; N = 6·g1+5·g2+4·g3+3·g4+2·g5+1·g6
     "equity": number,                                  # X21: 自己資本額 (may be negative)
     "ebitda": number,                                  # X22: 利払前税引前償却前利益, 2-period average
     "y": {"indicators": {"x1": n, ..., "x8": n}}       # Y from the 8 indicators, or
        | {"financials": {...}},                        # Y from statement figures (fields below)
     "w": {...}}                                        # optional; fields and defaults in W_FIELDS

``w`` fields (all optional; a missing field takes the default shown, and is listed in the
explanation under ``W.defaulted_fields``)::

    employment_insurance, health_insurance, pension_insurance   bool, default false (= NOT joined, −40 each;
                                                                 true also when legally exempt)
    construction_retirement_mutual_aid, retirement_allowance,
    non_statutory_accident_insurance                            bool, default false (+15 each)
    young_staff_continuous, young_staff_new                     bool, default false (+1 each)
    skills_points        int 0..10, default 0 (W1-⑧, as computed by the applicant)
    wlb                  one of WLB_VALUES, default "none"
    ccus                 "none" | "public" | "all", default "none"
    years_in_business    int, default 0
    rehabilitation, disaster_agreement, suspension_order, instruction_order   bool, default false
    audit                "none" | "self" | "accounting_advisor" | "auditor", default "none"
    accountants_value    number, default 0 (公認会計士等数値: 1 per CPA/tax accountant/1級, 0.4 per 2級)
    total_completed_works number, default = sum of the industries' completed_works (W5 row choice)
    rnd_expense          number, default 0 (研究開発費, 2-period average; counts only with audit "auditor")
    machines             int, default 0
    iso9001, iso14001, eco_action21                             bool, default false

``y.financials`` fields (FINANCIALS_FIELDS holds the same list with English/Japanese descriptions).
Required: ``sales`` (売上高 = 完成工事高 + 兼業事業売上高), ``interest_expense`` (支払利息),
``interest_dividend_income`` (受取利息配当金), ``current_liabilities`` (流動負債), ``fixed_liabilities``
(固定負債), ``gross_profit`` (売上総利益), ``ordinary_profit`` (経常利益; 個人: 事業主利益), ``net_assets``
(純資産合計 = 自己資本), ``fixed_assets`` (固定資産), ``total_capital`` (総資本 = 負債純資産合計, base period),
``retained_earnings`` (利益剰余金; 個人: 純資産合計).
Optional: ``total_capital_prev`` (前期の総資本; x3 then uses the 2-period average, at least 30,000千円).
Operating cash flow (x7), either given directly as ``operating_cf`` (+ optional ``operating_cf_prev``),
e.g. from a consolidated cash-flow statement, or computed from its parts::

    営業CF = ordinary_profit + depreciation − corporate_taxes + Δallowance − Δreceivables
             + Δpayables − Δinventories + Δadvances_received        (Δ = this balance − previous balance)

with ``depreciation`` (減価償却実施額), ``corporate_taxes`` (法人税・住民税及び事業税) and the balances
``allowance`` (貸倒引当金), ``receivables`` (受取手形 + 完成工事未収入金, incl. 電子記録債権), ``payables``
(支払手形 + 工事未払金, incl. 電子記録債務), ``inventories`` (未成工事支出金 + 材料貯蔵品) and
``advances_received`` (未成工事受入金), each with ``_prev`` (previous balance sheet). A balance that is
not used at all may be left out (counts 0); if it is given, its ``_prev`` is required. The previous
period's cash flow (for the 2-period average) is computed when ``ordinary_profit_prev`` is given; it then
needs ``depreciation_prev``, ``corporate_taxes_prev`` and the ``_prev2`` balances (the balance sheet
before the previous one). With one period only, x7 uses that period (unconfirmed reading).

Zero denominators: 売上高 = 0 → x1, x2, x4 take their worst value; 固定資産 = 0 → x5 best (350) if
自己資本 > 0, else worst (−76.5); 総資本 = 0 → x6 worst (−68.6).

Readings that are not confirmed (the result lists those that affected it under ``unconfirmed``; the
texts live in the YAML files): W truncated rather than rounded, and toward zero when negative; the
rounding of averages; W1-⑧ points taken as entered; W5 row by company total; both W4 orders → −30
once; earlier screening days only switch the W multiplier; P half up (one codebase truncates); x7 from
one period. Confirmed ([C+]/[C]): the P weights and rounding, every bracket table, X2/Z formulas,
negative equity/profit → 0, the Y formula, caps and zero-denominator cases, the W items and points,
the W multiplier switch on 2023-08-14.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

import yaml

from .knowledge import as_date

DEFAULT_TABLES_DIR = Path(__file__).resolve().parent.parent / "knowledge" / "keishin"

MAX_AMOUNT = 10**12  # 千円; larger amounts are rejected as absurd
MAX_COUNT = 100_000
# Exact arithmetic (Fraction) on a number like 1e-99999999 takes minutes: the number of decimal
# places and of significant digits is bounded before any arithmetic, like the magnitude.
MAX_DECIMAL_PLACES = 330   # every finite binary float fits (5e-324)
MAX_DIGITS = 34
MAX_INDUSTRIES = 30
MAX_NAME_LENGTH = 100
MIN_REVIEW_DATE = dt.date(2011, 4, 1)  # the bracket tables in use date from the 2011-04-01 revision
MAX_REVIEW_DATE = dt.date(2100, 12, 31)
MAX_IMPROVEMENTS = 15

STAFF_GRADES = ("g1", "g2", "g3", "g4", "g5", "g6")
INDICATOR_KEYS = ("x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8")
BRACKET_TABLES = ("x1", "x21", "x22", "z1", "z2")

WLB_VALUES: dict[str, dict[str, str]] = {
    "none": {"en": "None", "ja": "なし"},
    "eruboshi1": {"en": "Eruboshi, level 1", "ja": "えるぼし（1段階目）"},
    "eruboshi2": {"en": "Eruboshi, level 2", "ja": "えるぼし（2段階目）"},
    "eruboshi3": {"en": "Eruboshi, level 3", "ja": "えるぼし（3段階目）"},
    "platinum_eruboshi": {"en": "Platinum Eruboshi", "ja": "プラチナえるぼし"},
    "kurumin": {"en": "Kurumin", "ja": "くるみん"},
    "try_kurumin": {"en": "Try Kurumin", "ja": "トライくるみん"},
    "platinum_kurumin": {"en": "Platinum Kurumin", "ja": "プラチナくるみん"},
    "youth_yell": {"en": "Youth Yell", "ja": "ユースエール"},
}
CCUS_VALUES: dict[str, dict[str, str]] = {
    "none": {"en": "Not done, or no qualifying prime works", "ja": "実施していない（対象工事なしを含む）"},
    "public": {"en": "All public works under review", "ja": "審査対象工事のうち全ての公共工事で実施"},
    "all": {"en": "All works under review, including private works", "ja": "民間工事を含む全ての審査対象工事で実施"},
}
AUDIT_VALUES: dict[str, dict[str, str]] = {
    "none": {"en": "None", "ja": "なし"},
    "self": {"en": "Self-audit by the accounting manager", "ja": "経理処理の適正を確認した旨の書類の提出（自主監査）"},
    "accounting_advisor": {"en": "Accounting advisor (会計参与)", "ja": "会計参与設置"},
    "auditor": {"en": "Accounting auditor (会計監査人)", "ja": "会計監査人設置"},
}

# name: (kind, default, en, ja). kind: bool | int | number | wlb | ccus | audit
W_FIELDS: dict[str, tuple[str, Any, str, str]] = {
    "employment_insurance": ("bool", False, "Employment insurance joined (or exempt)",
                             "雇用保険加入（適用除外を含む）"),
    "health_insurance": ("bool", False, "Health insurance joined (or exempt)", "健康保険加入（適用除外を含む）"),
    "pension_insurance": ("bool", False, "Employees' pension insurance joined (or exempt)",
                          "厚生年金保険加入（適用除外を含む）"),
    "construction_retirement_mutual_aid": ("bool", False, "Construction workers' retirement mutual aid (建退共)",
                                           "建設業退職金共済制度加入"),
    "retirement_allowance": ("bool", False, "Retirement lump-sum or corporate pension scheme",
                             "退職一時金制度又は企業年金制度導入"),
    "non_statutory_accident_insurance": ("bool", False, "Non-statutory work-accident insurance",
                                         "法定外労働災害補償制度加入"),
    "young_staff_continuous": ("bool", False, "Technical staff under 35 are at least 15%",
                               "若年技術職員の継続的な育成及び確保（35歳未満が15%以上）"),
    "young_staff_new": ("bool", False, "New technical staff under 35 are at least 1%",
                        "新規若年技術職員の育成及び確保（1%以上）"),
    "skills_points": ("int", 0, "Knowledge and skills improvement points (W1-⑧, 0..10)",
                      "知識及び技術又は技能の向上（W1-⑧、0〜10点）"),
    "wlb": ("wlb", "none", "Work-life-balance certification", "ワーク・ライフ・バランスに関する取組"),
    "ccus": ("ccus", "none", "CCUS work-history recording", "建設キャリアアップシステム（CCUS）の就業履歴蓄積"),
    "years_in_business": ("int", 0, "Years in business", "営業年数"),
    "rehabilitation": ("bool", False, "Civil rehabilitation / corporate reorganisation in progress",
                       "民事再生法又は会社更生法の適用（手続中）"),
    "disaster_agreement": ("bool", False, "Disaster-response agreement", "防災協定の締結"),
    "suspension_order": ("bool", False, "Business suspension order within 1 year",
                         "営業停止処分（審査基準日前1年以内）"),
    "instruction_order": ("bool", False, "Instruction order within 1 year", "指示処分（審査基準日前1年以内）"),
    "audit": ("audit", "none", "Audit status", "監査の受審状況"),
    "accountants_value": ("number", Decimal(0), "Accountants value (CPA/tax accountant/1級 = 1, 2級 = 0.4)",
                          "公認会計士等数値（公認会計士・税理士・1級 = 1、2級 = 0.4）"),
    "total_completed_works": ("number", None, "Company total average completed works (W5 row)",
                              "会社全体の年間平均完成工事高（W5の区分）"),
    "rnd_expense": ("number", Decimal(0), "R&D expense, 2-period average", "研究開発費（2期平均）"),
    "machines": ("int", 0, "Construction machines", "建設機械の保有台数"),
    "iso9001": ("bool", False, "ISO 9001 certified", "ISO 9001 認証取得"),
    "iso14001": ("bool", False, "ISO 14001 certified", "ISO 14001 認証取得"),
    "eco_action21": ("bool", False, "Eco Action 21 certified", "エコアクション21 認証取得"),
}

_BALANCES = ("allowance", "receivables", "payables", "inventories", "advances_received")

# field: (sign, en, ja). sign: "nonnegative" or "any"
FINANCIALS_FIELDS: dict[str, tuple[str, str, str]] = {
    "sales": ("nonnegative", "Net sales = completed works + other business sales (base period)",
              "売上高 = 完成工事高 + 兼業事業売上高（基準決算）"),
    "interest_expense": ("nonnegative", "Interest expense", "支払利息"),
    "interest_dividend_income": ("nonnegative", "Interest and dividend income", "受取利息配当金"),
    "current_liabilities": ("nonnegative", "Current liabilities", "流動負債合計"),
    "fixed_liabilities": ("nonnegative", "Fixed (non-current) liabilities", "固定負債合計"),
    "gross_profit": ("any", "Gross profit", "売上総利益"),
    "ordinary_profit": ("any", "Ordinary profit (sole proprietor: owner's profit)", "経常利益（個人: 事業主利益）"),
    "net_assets": ("any", "Net assets (equity)", "純資産合計（自己資本）"),
    "fixed_assets": ("nonnegative", "Fixed (non-current) assets", "固定資産合計"),
    "total_capital": ("nonnegative", "Total capital = total liabilities and net assets (base period)",
                      "総資本 = 負債純資産合計（基準決算）"),
    "retained_earnings": ("any", "Retained earnings (sole proprietor: net assets)",
                          "利益剰余金合計（個人: 純資産合計）"),
    "total_capital_prev": ("nonnegative", "Total capital, previous period (optional; for the x3 average)",
                           "前期の総資本（任意。x3の2期平均用）"),
    "operating_cf": ("any", "Operating cash flow, base period (instead of the parts below)",
                     "営業キャッシュフロー（基準決算。下記の内訳の代わりに入力）"),
    "operating_cf_prev": ("any", "Operating cash flow, previous period (optional)",
                          "前期の営業キャッシュフロー（任意）"),
    "depreciation": ("nonnegative", "Depreciation (減価償却実施額)", "減価償却実施額"),
    "corporate_taxes": ("any", "Corporate, inhabitant and enterprise taxes", "法人税、住民税及び事業税"),
    "ordinary_profit_prev": ("any", "Ordinary profit, previous period (optional; for the x7 average)",
                             "前期の経常利益（任意。x7の2期平均用）"),
    "depreciation_prev": ("nonnegative", "Depreciation, previous period", "前期の減価償却実施額"),
    "corporate_taxes_prev": ("any", "Corporate taxes, previous period", "前期の法人税、住民税及び事業税"),
}
_BALANCE_TEXT = {
    "allowance": ("Allowance for doubtful accounts (as a positive amount)", "貸倒引当金（正の数）"),
    "receivables": ("Trade receivables: notes + completed-works receivables (incl. electronic)",
                    "売掛債権: 受取手形 + 完成工事未収入金（電子記録債権を含む）"),
    "payables": ("Trade payables: notes + construction payables (incl. electronic)",
                 "仕入債務: 支払手形 + 工事未払金（電子記録債務を含む）"),
    "inventories": ("Inventories: costs on uncompleted works + materials", "棚卸資産: 未成工事支出金 + 材料貯蔵品"),
    "advances_received": ("Advances received on uncompleted works", "受入金: 未成工事受入金"),
}
for _name, (_en, _ja) in _BALANCE_TEXT.items():
    FINANCIALS_FIELDS[_name] = ("nonnegative", f"{_en}, base period", f"{_ja}（基準決算）")
    FINANCIALS_FIELDS[f"{_name}_prev"] = ("nonnegative", f"{_en}, previous balance sheet", f"{_ja}（前期末）")
    FINANCIALS_FIELDS[f"{_name}_prev2"] = ("nonnegative", f"{_en}, balance sheet before the previous one",
                                           f"{_ja}（前々期末）")
_FIN_REQUIRED = ("sales", "interest_expense", "interest_dividend_income", "current_liabilities", "fixed_liabilities",
                 "gross_profit", "ordinary_profit", "net_assets", "fixed_assets", "total_capital", "retained_earnings")
_CF_PARTS = ("depreciation", "corporate_taxes", "ordinary_profit_prev", "depreciation_prev", "corporate_taxes_prev",
             *(f"{b}{s}" for b in _BALANCES for s in ("", "_prev", "_prev2")))

# Notes the calculator refers to; load_tables checks they exist in the YAML files.
REQUIRED_NOTES = ("average_rounding", "x22_average_rounding", "y_average_rounding", "y_cash_flow_one_period",
                  "w_rounding", "w_negative_rounding", "w_skills", "w_accountants_total", "w_both_orders",
                  "w_earlier_rules", "p_rounding")


# ======================================================================= errors


class InputError(ValueError):
    """Invalid calculator input. ``field`` is the path, e.g. ``industries[0].completed_works``."""

    def __init__(self, field: str, message: str, message_ja: str | None = None):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.message_ja = message_ja or message

    def to_dict(self) -> dict:
        return {"field": self.field, "message": self.message, "message_ja": self.message_ja}


class TablesError(ValueError):
    """A knowledge/keishin YAML file is missing or invalid; names the file and the field."""

    def __init__(self, file: str | Path, field: str, message: str):
        super().__init__(f"{file}: {field}: {message}")
        self.file = str(file)
        self.field = field
        self.message = message


# ======================================================================= tables


@dataclass(frozen=True)
class Note:
    id: str
    level: str
    en: str
    ja: str

    def to_dict(self) -> dict:
        return {"id": self.id, "level": self.level, "en": self.en, "ja": self.ja}


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
    notes: Mapping[str, Note]
    path: str

    def bracket_table(self, key: str) -> BracketTable:
        return getattr(self, key)


class _Reader:
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
            self.fail(_join(path, key), "is missing")
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


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _read_yaml(file: Path) -> dict:
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


def _load_bracket_table(key: str, file: Path, notes: list[Note]) -> BracketTable:
    r = _Reader(file)
    data = _read_yaml(file)
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
    r = _Reader(file)
    data = _read_yaml(file)
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
            r.text(r.get(item, "ja", p), f"{p}.ja"))
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
    r = _Reader(file)
    data = _read_yaml(file)
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
    r = _Reader(file)
    data = _read_yaml(file)
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
    z1_data = _read_yaml(z1_file)
    r = _Reader(z1_file)
    raw_staff = r.mapping(r.get(z1_data, "staff_points", ""), "staff_points")
    if set(raw_staff) != set(STAFF_GRADES):
        r.fail("staff_points", f"must have exactly {', '.join(STAFF_GRADES)}")
    staff_points = {g: r.integer(raw_staff[g], f"staff_points.{g}", minimum=0) for g in STAFF_GRADES}
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
    return Tables(staff_points=staff_points, y=y, w=w, p=p, notes=by_id, path=str(folder), **brackets)


@lru_cache(maxsize=1)
def default_tables() -> Tables:
    """The tables in ``knowledge/keishin`` (cached; call ``default_tables.cache_clear()`` after edits)."""
    return load_tables(DEFAULT_TABLES_DIR)


# ======================================================================= arithmetic helpers


def round_half_up(value: Decimal | Fraction | int, places: int = 0) -> Decimal:
    """Round to ``places`` decimals, halves away from zero (四捨五入), exactly."""
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() < 40:
        with localcontext() as ctx:
            ctx.prec = 100
            result = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
            return result.copy_abs() if result.is_zero() else result
    q = Fraction(value) * (10**places)
    n = math.floor(abs(q) + Fraction(1, 2))
    sign = "-" if q < 0 and n else ""
    return Decimal(f"{sign}{n}E-{places}")  # exact, independent of the decimal context


def to_thousand_yen(value: Decimal | int) -> tuple[int, bool]:
    """Whole 千円 (half up); the flag says whether the value had a fraction."""
    d = Decimal(value)
    if d == d.to_integral_value():
        return int(d), False
    whole = int(round_half_up(d))
    return whole, d != whole


def _fmt(value: Decimal | Fraction | int) -> str:
    """Exact decimal text for JSON (no exponent)."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        with localcontext() as ctx:
            ctx.prec = 40
            value = Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, int):
        return str(value)
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def bracket_score(table: BracketTable, amount: int) -> tuple[int, dict]:
    """Score ``floor(a·amount/b) + c`` from the row with ``from ≤ amount < next``; returns (score, row info)."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"{table.key}: amount must be an int, got {type(amount).__name__}")
    if amount < 0:
        raise ValueError(f"{table.key}: amount must not be negative ({amount}); clamp it first")
    for br in table.brackets:
        if amount >= br.start:
            score = br.score(amount)
            if br.a == 0:
                formula = f"{br.c} (fixed maximum from {br.start:,})"
            else:
                formula = f"floor({br.a} × {amount} / {br.b}) + {br.c} = {score}"
            return score, {"table": table.key, "row": br.row, "from": br.start, "to": br.end, "a": br.a,
                           "b": br.b, "c": br.c, "amount": amount, "score": score, "formula": formula,
                           "confidence": table.row_confidence(br.row)}
    raise AssertionError("tables start at 0")  # pragma: no cover


def x2_score(x21: int, x22: int, tables: Tables | None = None) -> int:
    wa, wb, div = (tables or default_tables()).p.x2
    return (wa * x21 + wb * x22) // div


def z_score(z1: int, z2: int, tables: Tables | None = None) -> int:
    wa, wb, div = (tables or default_tables()).p.z
    return (wa * z1 + wb * z2) // div


def p_score(x1: int, x2: int, y: int, z: int, w: int, tables: Tables | None = None) -> tuple[int, Decimal]:
    """P (rounded half up) and its exact value."""
    wt = (tables or default_tables()).p.weights
    exact = wt["X1"] * x1 + wt["X2"] * x2 + wt["Y"] * y + wt["Z"] * z + wt["W"] * w
    return int(round_half_up(exact)), exact


def staff_value(staff: Mapping[str, int], tables: Tables | None = None) -> int:
    pts = (tables or default_tables()).staff_points
    return sum(pts[g] * int(staff.get(g, 0)) for g in STAFF_GRADES)


# ======================================================================= input


@dataclass(frozen=True)
class IndustryInput:
    name: str
    completed_works: Decimal
    prime_completed_works: Decimal
    staff_value: int | None = None
    staff: Mapping[str, int] | None = None


@dataclass(frozen=True)
class YInput:
    indicators: Mapping[str, Decimal] | None = None
    financials: Mapping[str, Decimal] | None = None


@dataclass(frozen=True)
class WInput:
    employment_insurance: bool = False
    health_insurance: bool = False
    pension_insurance: bool = False
    construction_retirement_mutual_aid: bool = False
    retirement_allowance: bool = False
    non_statutory_accident_insurance: bool = False
    young_staff_continuous: bool = False
    young_staff_new: bool = False
    skills_points: int = 0
    wlb: str = "none"
    ccus: str = "none"
    years_in_business: int = 0
    rehabilitation: bool = False
    disaster_agreement: bool = False
    suspension_order: bool = False
    instruction_order: bool = False
    audit: str = "none"
    accountants_value: Decimal = Decimal(0)
    total_completed_works: Decimal | None = None
    rnd_expense: Decimal = Decimal(0)
    machines: int = 0
    iso9001: bool = False
    iso14001: bool = False
    eco_action21: bool = False
    defaulted: tuple[str, ...] = ()


@dataclass(frozen=True)
class Input:
    review_date: dt.date
    industries: tuple[IndustryInput, ...]
    equity: Decimal
    ebitda: Decimal
    y: YInput
    w: WInput = field(default_factory=WInput)


_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def parse_number(value: Any, path: str, *, minimum: int | Decimal | None = None,
                 maximum: int | Decimal = MAX_AMOUNT, integer: bool = False) -> Decimal:
    """A finite JSON number as an exact Decimal; InputError for anything else (bool, NaN, text, ...)."""
    if isinstance(value, bool):
        raise InputError(path, "must be a number, not true/false", "true/falseではなく数値を入力してください")
    if isinstance(value, int):
        if abs(value) > 10**15:
            raise InputError(path, f"is too large (at most {maximum:,})", f"値が大きすぎます（上限 {maximum:,}）")
        d = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(path, "must be a finite number (NaN and Infinity are not allowed)",
                             "有限の数値を入力してください（NaN・Infinityは不可）")
        d = Decimal(repr(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise InputError(path, "must be a finite number (NaN and Infinity are not allowed)",
                             "有限の数値を入力してください（NaN・Infinityは不可）")
        d = value
    else:
        raise InputError(path, f"must be a number, got {_type_name(value)}", "数値を入力してください")
    if d.is_zero():
        d = Decimal(0)
    _, digits, exponent = d.as_tuple()
    if exponent < -MAX_DECIMAL_PLACES:
        raise InputError(path, f"has too many decimal places (at most {MAX_DECIMAL_PLACES})",
                         f"小数点以下の桁数が多すぎます（{MAX_DECIMAL_PLACES}桁まで）")
    if len(digits) > MAX_DIGITS:
        raise InputError(path, f"has too many digits (at most {MAX_DIGITS})",
                         f"桁数が多すぎます（{MAX_DIGITS}桁まで）")
    if d > maximum:
        raise InputError(path, f"is too large (at most {maximum:,})", f"値が大きすぎます（上限 {maximum:,}）")
    lower = -maximum if minimum is None else minimum
    if d < lower:
        if minimum == 0:
            raise InputError(path, "must not be negative", "マイナスの値は入力できません")
        raise InputError(path, f"must be at least {lower:,}", f"{lower:,} 以上の値を入力してください")
    if integer and d != d.to_integral_value():
        raise InputError(path, "must be a whole number", "整数を入力してください")
    if d.is_zero():
        d = Decimal(0)
    return d


def _int(value: Any, path: str, maximum: int = MAX_COUNT) -> int:
    return int(parse_number(value, path, minimum=0, maximum=maximum, integer=True))


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(path, f"must be true or false, got {_type_name(value)}",
                         "true または false を指定してください")
    return value


def _enum(value: Any, path: str, allowed: Mapping[str, Any]) -> str:
    if not isinstance(value, str) or value not in allowed:
        shown = repr(value) if isinstance(value, str) else _type_name(value)
        raise InputError(path, f"must be one of {', '.join(allowed)}; got {shown[:60]}",
                         f"次のいずれかを指定してください: {', '.join(allowed)}")
    return value


def _object(value: Any, path: str, allowed: tuple[str, ...] | Mapping) -> dict:
    if not isinstance(value, dict):
        raise InputError(path or "payload", f"must be an object, got {_type_name(value)}",
                         "オブジェクトを指定してください")
    for key in value:
        if not isinstance(key, str) or key not in allowed:
            shown = repr(key)[:60]
            raise InputError(unknown_field_path(path, key), f"unknown field {shown}", f"不明な項目です: {shown}")
    return value


def unknown_field_path(path: str, key: Any) -> str:
    """Path naming an unexpected key; odd keys (empty, non-text, dotted) are shown quoted in brackets."""
    if isinstance(key, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,59}", key):
        return _join(path, key)
    return f"{path or 'payload'}[{repr(key)[:60]}]"


def _required(obj: dict, key: str, path: str) -> Any:
    if key not in obj or obj[key] is None:
        raise InputError(_join(path, key), "is required", "必須項目です")
    return obj[key]


def parse_date(value: Any, path: str, minimum: dt.date = MIN_REVIEW_DATE,
               maximum: dt.date = MAX_REVIEW_DATE) -> dt.date:
    """A date from ``YYYY-MM-DD`` text (or a ``date``), within [minimum, maximum]."""
    if isinstance(value, dt.datetime):
        raise InputError(path, "must be a date YYYY-MM-DD, not a date and time", "日付（YYYY-MM-DD）を入力してください")
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise InputError(path, f"is not a valid date: {value}", f"存在しない日付です: {value}") from None
    else:
        raise InputError(path, "must be a date written YYYY-MM-DD", "日付を YYYY-MM-DD の形式で入力してください")
    if not minimum <= day <= maximum:
        raise InputError(path, f"must be between {minimum} and {maximum}",
                         f"{minimum} から {maximum} までの日付を入力してください")
    return day


def _parse_industry(raw: Any, path: str) -> IndustryInput:
    obj = _object(raw, path, ("name", "completed_works", "prime_completed_works", "staff_value", "staff"))
    name = _required(obj, "name", path)
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{path}.name", "must be a non-empty text", "業種名を入力してください")
    if len(name) > MAX_NAME_LENGTH:
        raise InputError(f"{path}.name", f"is too long (at most {MAX_NAME_LENGTH} characters)",
                         f"{MAX_NAME_LENGTH}文字以内で入力してください")
    completed = parse_number(_required(obj, "completed_works", path), f"{path}.completed_works", minimum=0)
    prime = parse_number(_required(obj, "prime_completed_works", path), f"{path}.prime_completed_works", minimum=0)
    if prime > completed:
        raise InputError(f"{path}.prime_completed_works", "cannot be larger than completed_works",
                         "元請完成工事高は完成工事高を超えられません")
    has_value = obj.get("staff_value") is not None
    has_staff = obj.get("staff") is not None
    if has_value == has_staff:
        raise InputError(f"{path}.staff_value", "give either staff_value or staff (counts g1..g6), not both"
                         if has_value else "is required (or give staff with counts g1..g6)",
                         "技術職員数値（staff_value）または人数（staff）のどちらか一方を入力してください")
    if has_value:
        value = _int(obj["staff_value"], f"{path}.staff_value", maximum=6 * MAX_COUNT)
        return IndustryInput(name.strip(), completed, prime, staff_value=value)
    staff_obj = _object(obj["staff"], f"{path}.staff", STAFF_GRADES)
    staff = {g: _int(staff_obj.get(g, 0), f"{path}.staff.{g}") for g in STAFF_GRADES}
    return IndustryInput(name.strip(), completed, prime, staff=staff)


def _parse_financials(raw: Any, path: str) -> dict[str, Decimal]:
    obj = _object(raw, path, FINANCIALS_FIELDS)
    values: dict[str, Decimal] = {}
    for key, val in obj.items():
        if val is None:
            continue
        sign = FINANCIALS_FIELDS[key][0]
        values[key] = parse_number(val, f"{path}.{key}", minimum=0 if sign == "nonnegative" else None)
    for key in _FIN_REQUIRED:
        if key not in values:
            raise InputError(f"{path}.{key}", "is required", "必須項目です")
    if "operating_cf_prev" in values and "operating_cf" not in values:
        raise InputError(f"{path}.operating_cf", "is required when operating_cf_prev is given",
                         "operating_cf_prev を入力する場合は operating_cf も必要です")
    if "operating_cf" in values:
        mixed = [k for k in _CF_PARTS if k in values]
        if mixed:
            raise InputError(f"{path}.{mixed[0]}", "give either operating_cf or the cash-flow parts, not both",
                             "営業キャッシュフローは operating_cf か内訳のどちらか一方で入力してください")
        return values
    for key in ("depreciation", "corporate_taxes"):
        if key not in values:
            raise InputError(f"{path}.{key}", "is required to compute the operating cash flow (or give operating_cf)",
                             "営業キャッシュフローの計算に必要です（または operating_cf を入力してください）")
    two_periods = "ordinary_profit_prev" in values
    if two_periods:
        for key in ("depreciation_prev", "corporate_taxes_prev"):
            if key not in values:
                raise InputError(f"{path}.{key}", "is required when ordinary_profit_prev is given",
                                 "ordinary_profit_prev を入力する場合は必要です")
    else:
        extra = [k for k in ("depreciation_prev", "corporate_taxes_prev") if k in values]
        extra += [f"{b}_prev2" for b in _BALANCES if f"{b}_prev2" in values]
        if extra:
            raise InputError(f"{path}.ordinary_profit_prev", f"is required when {extra[0]} is given",
                             f"{extra[0]} を入力する場合は ordinary_profit_prev も必要です")
    for b in _BALANCES:
        needed = [b, f"{b}_prev"] + ([f"{b}_prev2"] if two_periods else [])
        given = [k for k in needed + [f"{b}_prev2"] if k in values]
        if given:
            for k in needed:
                if k not in values:
                    raise InputError(f"{path}.{k}", f"is required when {given[0]} is given",
                                     f"{given[0]} を入力する場合は必要です")
    return values


def _parse_y(raw: Any, path: str) -> YInput:
    obj = _object(raw, path, ("indicators", "financials"))
    has_ind = obj.get("indicators") is not None
    has_fin = obj.get("financials") is not None
    if has_ind == has_fin:
        raise InputError(f"{path}.indicators",
                         "give either indicators or financials" + (", not both" if has_ind else ""),
                         "indicators（指標）または financials（決算数値）のどちらか一方を入力してください")
    if has_ind:
        ind = _object(obj["indicators"], f"{path}.indicators", INDICATOR_KEYS)
        values = {}
        for k in INDICATOR_KEYS:
            values[k] = parse_number(_required(ind, k, f"{path}.indicators"), f"{path}.indicators.{k}")
        return YInput(indicators=values)
    return YInput(financials=_parse_financials(obj["financials"], f"{path}.financials"))


def _parse_w(raw: Any, path: str) -> WInput:
    if raw is None:
        return WInput(defaulted=tuple(W_FIELDS))
    obj = _object(raw, path, W_FIELDS)
    values: dict[str, Any] = {}
    defaulted = []
    for key, (kind, _default, _en, _ja) in W_FIELDS.items():
        p = f"{path}.{key}"
        if obj.get(key) is None:
            defaulted.append(key)
            continue
        val = obj[key]
        if kind == "bool":
            values[key] = _bool(val, p)
        elif kind == "int":
            maximum = 10 if key == "skills_points" else (2000 if key == "years_in_business" else MAX_COUNT)
            values[key] = _int(val, p, maximum=maximum)
        elif kind == "number":
            maximum = MAX_COUNT if key == "accountants_value" else MAX_AMOUNT
            values[key] = parse_number(val, p, minimum=0, maximum=maximum)
        else:
            values[key] = _enum(val, p, {"wlb": WLB_VALUES, "ccus": CCUS_VALUES, "audit": AUDIT_VALUES}[kind])
    return WInput(**values, defaulted=tuple(defaulted))


def parse_input(payload: Any) -> Input:
    """Validate a JSON-like payload (schema in the module docstring) into an :class:`Input`.

    Raises only :class:`InputError`, whose ``field`` names the path (``industries[0].completed_works``).
    """
    obj = _object(payload, "", ("review_date", "industries", "equity", "ebitda", "y", "w"))
    review_date = parse_date(_required(obj, "review_date", ""), "review_date")
    raw_ind = _required(obj, "industries", "")
    if not isinstance(raw_ind, list):
        raise InputError("industries", f"must be a list, got {_type_name(raw_ind)}", "業種の一覧（リスト）が必要です")
    if not raw_ind:
        raise InputError("industries", "needs at least one industry", "業種を1つ以上入力してください")
    if len(raw_ind) > MAX_INDUSTRIES:
        raise InputError("industries", f"at most {MAX_INDUSTRIES} industries", f"業種は{MAX_INDUSTRIES}件までです")
    industries = []
    seen: set[str] = set()
    for i, item in enumerate(raw_ind):
        ind = _parse_industry(item, f"industries[{i}]")
        if ind.name in seen:
            raise InputError(f"industries[{i}].name", f"duplicate industry {ind.name!r}",
                             f"業種名が重複しています: {ind.name}")
        seen.add(ind.name)
        industries.append(ind)
    equity = parse_number(_required(obj, "equity", ""), "equity")
    ebitda = parse_number(_required(obj, "ebitda", ""), "ebitda")
    y = _parse_y(_required(obj, "y", ""), "y")
    w = _parse_w(obj.get("w"), "w")
    return Input(review_date, tuple(industries), equity, ebitda, y, w)


# ======================================================================= Y


def _indicator_entry(ind: Indicator, raw: Fraction | Decimal | None, places: int, note: dict | None) -> dict:
    if raw is None:  # special case: worst/best value by rule
        rounded = None
        value = Decimal(note["value"])
    else:
        rounded = round_half_up(raw, places)
        value = min(max(rounded, ind.low), ind.high)
    contribution = ind.coefficient * value
    entry = {"name": {"en": ind.en, "ja": ind.ja}, "unit": ind.unit,
             "raw": None if raw is None else _fmt(round_half_up(raw, places + 3)),
             "rounded": None if rounded is None else _fmt(rounded), "value": _fmt(value),
             "clamped": rounded is not None and value != rounded, "best": _fmt(ind.best), "worst": _fmt(ind.worst),
             "coefficient": _fmt(ind.coefficient), "contribution": _fmt(contribution)}
    if note:
        entry["special_case"] = {"en": note["en"], "ja": note["ja"]}
    return entry


def _y_from_values(values: Mapping[str, tuple[Any, dict | None]], tables: Tables) -> tuple[int, Decimal, dict]:
    yt = tables.y
    entries = {}
    a_exact = yt.constant
    with localcontext() as ctx:
        ctx.prec = 60
        for k in INDICATOR_KEYS:
            raw, note = values[k]
            entry = _indicator_entry(yt.indicators[k], raw, yt.indicator_decimals, note)
            entries[k] = entry
            a_exact += Decimal(entry["contribution"])
        a = round_half_up(a_exact, yt.a_decimals)
        y_exact = yt.multiplier * a + yt.offset
    y_rounded = int(round_half_up(y_exact))
    y = min(max(y_rounded, yt.clamp_min), yt.clamp_max)
    explanation = {
        "indicators": entries, "A_exact": _fmt(a_exact), "A": _fmt(a), "Y_exact": _fmt(y_exact), "Y": y,
        "formula": f"A = Σ coefficient × x + {_fmt(yt.constant)} = {_fmt(a_exact)} → {_fmt(a)} (half up, "
                   f"{yt.a_decimals} decimals); Y = {_fmt(yt.multiplier)} × {_fmt(a)} + {_fmt(yt.offset)} = "
                   f"{_fmt(y_exact)} → {y_rounded} (half up)"
                   + (f" → {y} (clamped to {yt.clamp_min}..{yt.clamp_max})" if y != y_rounded else ""),
        "confidence": "C+",
    }
    return y, a, explanation


def y_from_indicators(indicators: Mapping[str, Decimal | int | float], tables: Tables | None = None
                      ) -> tuple[int, Decimal, dict]:
    """Y, A and explanation from the 8 indicator values (each rounded to 3 decimals, then clamped)."""
    tables = tables or default_tables()
    values = {k: (Fraction(Decimal(repr(v)) if isinstance(v, float) else v), None)
              for k, v in ((k, indicators[k]) for k in INDICATOR_KEYS)}
    y, a, exp = _y_from_values(values, tables)
    exp["source"] = "indicators"
    return y, a, exp


def _special(ind: Indicator, which: str, en: str, ja: str) -> tuple[None, dict]:
    value = ind.worst if which == "worst" else ind.best
    return None, {"value": str(value), "en": f"{en} → {which} value {_fmt(value)}",
                  "ja": f"{ja} → {'最低' if which == 'worst' else '最高'}値 {_fmt(value)}"}


def operating_cash_flow(f: Mapping[str, Decimal]) -> tuple[Fraction, list[Fraction], dict]:
    """2-period average operating cash flow (千円), the per-period values, and an explanation."""
    if "operating_cf" in f:
        periods = [Fraction(f["operating_cf"])]
        if "operating_cf_prev" in f:
            periods.append(Fraction(f["operating_cf_prev"]))
        detail = {"given": True}
    else:
        def g(key: str) -> Fraction:
            return Fraction(f.get(key, Decimal(0)))

        def one(suffix: str, prev: str, profit: str, dep: str, tax: str) -> tuple[Fraction, dict]:
            parts = {"ordinary_profit": g(profit), "depreciation": g(dep), "corporate_taxes": -g(tax),
                     "allowance_change": g(f"allowance{suffix}") - g(f"allowance{prev}"),
                     "receivables_change": -(g(f"receivables{suffix}") - g(f"receivables{prev}")),
                     "payables_change": g(f"payables{suffix}") - g(f"payables{prev}"),
                     "inventories_change": -(g(f"inventories{suffix}") - g(f"inventories{prev}")),
                     "advances_received_change": g(f"advances_received{suffix}") - g(f"advances_received{prev}")}
            return sum(parts.values(), Fraction(0)), {k: _fmt(v) for k, v in parts.items()}

        cur, cur_parts = one("", "_prev", "ordinary_profit", "depreciation", "corporate_taxes")
        periods = [cur]
        detail = {"given": False, "current_parts": cur_parts}
        if "ordinary_profit_prev" in f:
            prev, prev_parts = one("_prev", "_prev2", "ordinary_profit_prev", "depreciation_prev",
                                   "corporate_taxes_prev")
            periods.append(prev)
            detail["previous_parts"] = prev_parts
    average = sum(periods, Fraction(0)) / len(periods)
    detail.update({"periods": [_fmt(p) for p in periods], "average": _fmt(average)})
    return average, periods, detail


def y_from_financials(f: Mapping[str, Decimal], tables: Tables | None = None) -> tuple[int, Decimal, dict, list]:
    """Y, A, explanation and unconfirmed-note ids from statement figures (FINANCIALS_FIELDS)."""
    tables = tables or default_tables()
    ind = tables.y.indicators
    notes: list[str] = []

    def v(key: str) -> Fraction:
        return Fraction(f[key])

    sales = v("sales")
    values: dict[str, tuple[Any, dict | None]] = {}
    if sales == 0:
        for k in ("x1", "x2", "x4"):
            values[k] = _special(ind[k], "worst", "sales = 0", "売上高 = 0")
    else:
        values["x1"] = ((v("interest_expense") - v("interest_dividend_income")) / sales * 100, None)
        values["x2"] = ((v("current_liabilities") + v("fixed_liabilities")) * 12 / sales, None)
        values["x4"] = (v("ordinary_profit") / sales * 100, None)
    capitals = [v("total_capital")] + ([v("total_capital_prev")] if "total_capital_prev" in f else [])
    avg_capital = sum(capitals, Fraction(0)) / len(capitals)
    if len(capitals) == 2 and avg_capital.denominator != 1:
        notes.append("y_average_rounding")
    floor = tables.y.total_capital_floor
    capital_used = max(avg_capital, Fraction(floor))
    values["x3"] = (v("gross_profit") / capital_used * 100, None)
    net_assets = v("net_assets")
    if v("fixed_assets") == 0:
        values["x5"] = _special(ind["x5"], "best" if net_assets > 0 else "worst",
                                f"fixed assets = 0, equity {'> 0' if net_assets > 0 else '≤ 0'}",
                                f"固定資産 = 0、自己資本{'> 0' if net_assets > 0 else '≤ 0'}")
    else:
        values["x5"] = (net_assets / v("fixed_assets") * 100, None)
    if v("total_capital") == 0:
        values["x6"] = _special(ind["x6"], "worst", "total capital = 0", "総資本 = 0")
    else:
        values["x6"] = (net_assets / v("total_capital") * 100, None)
    cf_average, cf_periods, cf_detail = operating_cash_flow(f)
    if len(cf_periods) == 1:
        notes.append("y_cash_flow_one_period")
    elif cf_average.denominator != 1:
        notes.append("y_average_rounding")
    divisor = tables.y.absolute_divisor
    values["x7"] = (cf_average / divisor, None)
    values["x8"] = (v("retained_earnings") / divisor, None)
    y, a, exp = _y_from_values(values, tables)
    exp["source"] = "financials"
    exp["total_capital"] = {"periods": [_fmt(c) for c in capitals], "average": _fmt(avg_capital),
                            "used": _fmt(capital_used), "floor": floor,
                            "floor_applied": capital_used != avg_capital}
    exp["operating_cash_flow"] = cf_detail
    exp["definitions"] = {
        "x1": "(interest_expense − interest_dividend_income) / sales × 100",
        "x2": "(current_liabilities + fixed_liabilities) / (sales / 12)",
        "x3": f"gross_profit / max(average total capital, {floor}) × 100",
        "x4": "ordinary_profit / sales × 100",
        "x5": "net_assets / fixed_assets × 100",
        "x6": "net_assets / total_capital (base period) × 100",
        "x7": f"average operating cash flow / {divisor}",
        "x8": f"retained_earnings / {divisor}",
    }
    return y, a, exp, sorted(set(notes))


# ======================================================================= W


def _w_round(exact: Fraction, wt: WTable) -> int:
    if wt.rounding == "half_up":
        return int(round_half_up(exact))
    if wt.rounding == "floor" or (exact < 0 and wt.negative_rounding == "floor"):
        return math.floor(exact)
    return int(exact)  # truncate toward zero


def _step(table: tuple, value: int | Decimal) -> int:
    for start, pts in table:
        if value >= start:
            return pts
    return 0


def accountants_points(value: Decimal, total_completed_works: int, tables: Tables | None = None) -> tuple[int, dict]:
    wt = (tables or default_tables()).w
    for i, (start, thresholds) in enumerate(wt.accountants):
        if total_completed_works >= start:
            for minimum, pts in thresholds:
                if value >= minimum:
                    return pts, {"row": i + 1, "from": start, "threshold": _fmt(minimum)}
            return 0, {"row": i + 1, "from": start, "threshold": None}
    return 0, {"row": None}  # pragma: no cover


def w_score(w: WInput, review_date: dt.date, total_completed_works: int, tables: Tables | None = None
            ) -> tuple[int, int, dict, list[str]]:
    """(W, W_total, explanation, unconfirmed note ids)."""
    tables = tables or default_tables()
    wt = tables.w
    pts = wt.points
    items: list[dict] = []
    notes: list[str] = []

    def add(group: str, key: str, points: int, detail: dict | None = None) -> None:
        en, ja = W_FIELDS[key][2], W_FIELDS[key][3]
        items.append({"group": group, "field": key, "points": points, "label": {"en": en, "ja": ja},
                      **({"detail": detail} if detail else {})})

    for key in ("employment_insurance", "health_insurance", "pension_insurance"):
        add("W1", key, 0 if getattr(w, key) else pts["social_insurance_not_joined"],
            {"en": "joined", "ja": "加入"} if getattr(w, key) else {"en": "not joined", "ja": "未加入"})
    for key in ("construction_retirement_mutual_aid", "retirement_allowance", "non_statutory_accident_insurance"):
        add("W1", key, pts["welfare_item"] if getattr(w, key) else 0)
    add("W1", "young_staff_continuous", pts["young_staff_continuous"] if w.young_staff_continuous else 0)
    add("W1", "young_staff_new", pts["young_staff_new"] if w.young_staff_new else 0)
    add("W1", "skills_points", min(w.skills_points, pts["skills_max"]))
    if w.skills_points:
        notes.append("w_skills")
    add("W1", "wlb", wt.wlb[w.wlb], WLB_VALUES[w.wlb])
    add("W1", "ccus", wt.ccus[w.ccus], CCUS_VALUES[w.ccus])
    years = wt.years
    add("W2", "years_in_business",
        min(max(w.years_in_business - years["free_years"], 0) * years["points_per_year"], years["max"]),
        {"en": f"{w.years_in_business} years", "ja": f"{w.years_in_business}年"})
    add("W2", "rehabilitation", pts["rehabilitation"] if w.rehabilitation else 0)
    add("W3", "disaster_agreement", pts["disaster_agreement"] if w.disaster_agreement else 0)
    order = 0
    if w.suspension_order:
        order = pts["suspension_order"]
    if w.instruction_order:
        order = min(order, pts["instruction_order"])
    if w.suspension_order and w.instruction_order:
        notes.append("w_both_orders")
    add("W4", "suspension_order", order if w.suspension_order else 0)
    add("W4", "instruction_order", order if (w.instruction_order and not w.suspension_order) else 0)
    add("W5", "audit", wt.audit[w.audit], AUDIT_VALUES[w.audit])
    acc_points, acc_row = accountants_points(w.accountants_value, total_completed_works, tables)
    add("W5", "accountants_value", acc_points,
        {"en": f"value {_fmt(w.accountants_value)}; row from {acc_row.get('from'):,} (total average completed "
               f"works {total_completed_works:,})",
         "ja": f"数値 {_fmt(w.accountants_value)}、区分 {acc_row.get('from'):,}千円以上（年間平均完成工事高の合計 "
               f"{total_completed_works:,}千円）"})
    if w.accountants_value > 0:
        notes.append("w_accountants_total")
    rnd_amount, _ = to_thousand_yen(w.rnd_expense)
    rnd_points = _step(wt.rnd, rnd_amount) if w.audit == wt.rnd_requires_audit else 0
    add("W6", "rnd_expense", rnd_points,
        None if w.audit == wt.rnd_requires_audit or not rnd_amount else
        {"en": "counts only for a company with an accounting auditor", "ja": "会計監査人設置会社のみ加点されます"})
    add("W7", "machines", _step(wt.machines, w.machines), {"en": f"{w.machines} units", "ja": f"{w.machines}台"})
    add("W8", "iso9001", pts["iso9001"] if w.iso9001 else 0)
    env = (pts["iso14001"] if w.iso14001 else 0) + (pts["eco_action21"] if w.eco_action21 else 0)
    env = min(env, pts["environment_max"])
    add("W8", "iso14001", pts["iso14001"] if w.iso14001 else 0)
    add("W8", "eco_action21", env - (pts["iso14001"] if w.iso14001 else 0),
        {"en": "not added on top of ISO 14001", "ja": "ISO 14001 と合わせて5点まで"}
        if (w.iso14001 and w.eco_action21) else None)
    total = sum(item["points"] for item in items)
    mult = wt.multiplier_for(review_date)
    exact = Fraction(total * mult.numerator, mult.denominator)
    w_value = _w_round(exact, wt)
    if exact.denominator != 1:
        notes.append("w_rounding")
        if exact < 0 and wt.rounding != "half_up":
            notes.append("w_negative_rounding")
    if review_date < wt.effective_from:
        notes.append("w_earlier_rules")
    for item in items:
        item["W_contribution"] = _fmt(Fraction(item["points"] * mult.numerator, mult.denominator))
    groups = {}
    for item in items:
        groups[item["group"]] = groups.get(item["group"], 0) + item["points"]
    explanation = {
        "items": items, "groups": groups, "W_total": total,
        "multiplier": {"numerator": mult.numerator, "denominator": mult.denominator, "applies": mult.describe()},
        "W_exact": _fmt(exact), "W": w_value, "rounding": wt.rounding,
        "formula": f"{total} × {mult.numerator} / {mult.denominator} = {_fmt(exact)} → {w_value} ({wt.rounding})",
        "defaulted_fields": list(w.defaulted),
    }
    return w_value, total, explanation, notes


# ======================================================================= calculate


@dataclass(frozen=True)
class IndustryResult:
    name: str
    X1: int
    Z1: int
    Z2: int
    Z: int
    P: int
    P_exact: Decimal


@dataclass(frozen=True)
class Result:
    review_date: dt.date
    X21: int
    X22: int
    X2: int
    Y: int
    A: Decimal
    W: int
    W_total: int
    industries: tuple[IndustryResult, ...]
    explanation: dict
    best_improvements: list
    unconfirmed: list

    def industry(self, name: str) -> IndustryResult:
        return next(r for r in self.industries if r.name == name)


def _industry_staff_value(ind: IndustryInput, tables: Tables) -> int:
    return ind.staff_value if ind.staff is None else staff_value(ind.staff, tables)


def _compute(inp: Input, tables: Tables, explain: bool = True) -> Result:
    notes: list[str] = []
    exp: dict[str, Any] = {}

    equity, eq_frac = to_thousand_yen(max(inp.equity, Decimal(0)))
    x21, x21_info = bracket_score(tables.x21, equity)
    exp["X21"] = {"input": _fmt(inp.equity), "used_amount": equity, "bracket": x21_info, "score": x21,
                  **({"note": {"en": "negative equity counts as 0", "ja": "マイナスの自己資本額は0として扱います"}}
                     if inp.equity < 0 else {})}
    ebitda, eb_frac = to_thousand_yen(max(inp.ebitda, Decimal(0)))
    x22, x22_info = bracket_score(tables.x22, ebitda)
    exp["X22"] = {"input": _fmt(inp.ebitda), "used_amount": ebitda, "bracket": x22_info, "score": x22,
                  **({"note": {"en": "a negative amount counts as 0", "ja": "マイナスの場合は0として扱います"}}
                     if inp.ebitda < 0 else {})}
    if eq_frac:
        notes.append("average_rounding")
    if eb_frac:
        notes.append("x22_average_rounding")
    x2 = x2_score(x21, x22, tables)
    wa, wb, div = tables.p.x2
    exp["X2"] = {"formula": f"floor(({x21} + {x22}) / {div}) = {x2}" if (wa, wb) == (1, 1)
                 else f"floor(({wa}·{x21} + {wb}·{x22}) / {div}) = {x2}", "score": x2}

    if inp.y.indicators is not None:
        y, a, y_exp = y_from_indicators(inp.y.indicators, tables)
    else:
        y, a, y_exp, y_notes = y_from_financials(inp.y.financials, tables)
        notes.extend(y_notes)
    exp["Y"] = y_exp

    total_cw = inp.w.total_completed_works
    if total_cw is None:
        total_cw = sum((i.completed_works for i in inp.industries), Decimal(0))
    total_cw_int, _ = to_thousand_yen(total_cw)
    w, w_total, w_exp, w_notes = w_score(inp.w, inp.review_date, total_cw_int, tables)
    w_exp["total_completed_works"] = {"value": total_cw_int,
                                      "source": "given" if inp.w.total_completed_works is not None
                                      else "sum of the industries' completed works"}
    notes.extend(w_notes)
    exp["W"] = w_exp

    weights = tables.p.weights
    industries = []
    exp_ind = []
    for ind in inp.industries:
        cw, cw_frac = to_thousand_yen(ind.completed_works)
        pw, pw_frac = to_thousand_yen(ind.prime_completed_works)
        if cw_frac or pw_frac:
            notes.append("average_rounding")
        x1, x1_info = bracket_score(tables.x1, cw)
        n = _industry_staff_value(ind, tables)
        z1, z1_info = bracket_score(tables.z1, n)
        z2, z2_info = bracket_score(tables.z2, pw)
        z = z_score(z1, z2, tables)
        p, p_exact = p_score(x1, x2, y, z, w, tables)
        if p_exact - int(p_exact) >= Decimal("0.5"):
            notes.append("p_rounding")
        industries.append(IndustryResult(ind.name, x1, z1, z2, z, p, p_exact))
        if not explain:
            continue
        za, zb, zdiv = tables.p.z
        staff_detail = ({"staff_value": n, "given": True} if ind.staff is None else
                        {"staff_value": n, "given": False, "counts": dict(ind.staff),
                         "formula": " + ".join(f"{tables.staff_points[g]}×{ind.staff[g]}" for g in STAFF_GRADES)
                         + f" = {n}"})
        terms = [{"component": k, "weight": _fmt(weights[k]), "score": s, "contribution": _fmt(weights[k] * s)}
                 for k, s in (("X1", x1), ("X2", x2), ("Y", y), ("Z", z), ("W", w))]
        exp_ind.append({
            "name": ind.name,
            "X1": {"input": _fmt(ind.completed_works), "used_amount": cw, "bracket": x1_info, "score": x1},
            "Z1": {**staff_detail, "bracket": z1_info, "score": z1},
            "Z2": {"input": _fmt(ind.prime_completed_works), "used_amount": pw, "bracket": z2_info, "score": z2},
            "Z": {"formula": f"floor(({za}·{z1} + {zb}·{z2}) / {zdiv}) = {z}", "score": z},
            "P": {"terms": terms, "exact": _fmt(p_exact), "score": p,
                  "formula": " + ".join(f"{t['weight']}×{t['score']}" for t in terms)
                  + f" = {_fmt(p_exact)} → {p} (half up)"},
        })
    exp["industries"] = exp_ind
    unique = list(dict.fromkeys(notes))
    unconfirmed = [tables.notes[n].to_dict() for n in unique]
    exp["unconfirmed"] = unconfirmed
    exp["tables"] = {"effective_from": {k: tables.bracket_table(k).effective_from.isoformat()
                                                             for k in BRACKET_TABLES}
                     | {"y": tables.y.effective_from.isoformat(), "w": tables.w.effective_from.isoformat(),
                        "p": tables.p.effective_from.isoformat()}}
    return Result(inp.review_date, x21, x22, x2, y, a, w, w_total, tuple(industries), exp, [], unconfirmed)


def calculate(inp: Input, tables: Tables | None = None, *, improvements: bool = True) -> Result:
    """All scores for a parsed :class:`Input`, with an explanation and (optionally) best_improvements."""
    tables = tables or default_tables()
    result = _compute(inp, tables)
    if improvements:
        best = best_improvements(inp, tables, result)
        result.best_improvements.extend(best)
        result.explanation["best_improvements"] = best
    return result


# ======================================================================= improvements


@dataclass(frozen=True)
class _Change:
    id: str
    change: dict
    en: str
    ja: str
    apply: Callable[[Input], Input]
    industry: str | None = None


def _w_change(field_name: str, value: Any, en: str, ja: str, change_id: str | None = None) -> _Change:
    return _Change(change_id or f"w.{field_name}", {f"w.{field_name}": value if not isinstance(value, Decimal)
                   else _fmt(value)}, en, ja, lambda inp: replace(inp, w=replace(inp.w, **{field_name: value})))


def _candidate_changes(inp: Input, tables: Tables) -> list[_Change]:
    w = inp.w
    wt = tables.w
    out: list[_Change] = []
    texts = {
        "employment_insurance": ("Join employment insurance", "雇用保険に加入する"),
        "health_insurance": ("Join health insurance", "健康保険に加入する"),
        "pension_insurance": ("Join employees' pension insurance", "厚生年金保険に加入する"),
        "construction_retirement_mutual_aid": ("Join the construction workers' retirement mutual aid (建退共)",
                                               "建設業退職金共済制度に加入する"),
        "retirement_allowance": ("Introduce a retirement lump-sum or corporate pension scheme",
                                 "退職一時金制度または企業年金制度を導入する"),
        "non_statutory_accident_insurance": ("Take out non-statutory work-accident insurance",
                                             "法定外労働災害補償制度に加入する"),
        "young_staff_continuous": ("Keep technical staff under 35 at 15% or more of all technical staff",
                                   "35歳未満の技術職員を技術職員数の15%以上にする"),
        "young_staff_new": ("Hire new technical staff under 35 (1% or more of technical staff)",
                            "新規若年技術職員を技術職員数の1%以上確保する"),
        "disaster_agreement": ("Sign a disaster-response agreement (防災協定)", "防災協定を締結する"),
        "iso9001": ("Obtain ISO 9001 certification", "ISO 9001 の認証を取得する"),
        "iso14001": ("Obtain ISO 14001 certification", "ISO 14001 の認証を取得する"),
    }
    for key, (en, ja) in texts.items():
        if not getattr(w, key):
            out.append(_w_change(key, True, en, ja))
    if not w.iso14001 and not w.eco_action21:
        out.append(_w_change("eco_action21", True, "Obtain Eco Action 21 certification",
                             "エコアクション21 の認証を取得する"))
    if w.skills_points < wt.points["skills_max"]:
        out.append(_w_change("skills_points", w.skills_points + 1,
                             "Raise the knowledge-and-skills item (W1-⑧) by one point (CPD units, CCUS level-ups)",
                             "知識及び技術又は技能の向上（W1-⑧）を1点上げる（CPD単位、CCUSレベルアップ）"))
    current = wt.wlb[w.wlb]
    higher = sorted({p for p in wt.wlb.values() if p > current})
    for target in dict.fromkeys([*higher[:1], *higher[-1:]]):
        keys = [k for k, p in wt.wlb.items() if p == target]
        en_names = " or ".join(WLB_VALUES[k]["en"] for k in keys)
        ja_names = "・".join(WLB_VALUES[k]["ja"] for k in keys)
        out.append(_w_change("wlb", keys[0], f"Obtain a work-life-balance certification: {en_names}",
                             f"ワーク・ライフ・バランスの認定を取得する（{ja_names}）", change_id=f"w.wlb.{keys[0]}"))
    for key in CCUS_VALUES:
        if wt.ccus[key] > wt.ccus[w.ccus]:
            out.append(_w_change("ccus", key, f"Record CCUS work histories: {CCUS_VALUES[key]['en'].lower()}",
                                 f"CCUSの就業履歴蓄積を実施する（{CCUS_VALUES[key]['ja']}）",
                                 change_id=f"w.ccus.{key}"))
    for key in AUDIT_VALUES:
        if wt.audit[key] > wt.audit[w.audit]:
            out.append(_w_change("audit", key, f"Audit status: {AUDIT_VALUES[key]['en']}",
                                 f"監査の受審状況: {AUDIT_VALUES[key]['ja']}", change_id=f"w.audit.{key}"))
    out.append(_w_change("accountants_value", w.accountants_value + 1,
                         "Add one CPA, licensed tax accountant or holder of the 1st-grade construction accounting "
                         "qualification", "公認会計士・税理士または1級建設業経理士を1人増やす",
                         change_id="w.accountants_value+1"))
    out.append(_w_change("accountants_value", w.accountants_value + Decimal("0.4"),
                         "Add one holder of the 2nd-grade construction accounting qualification",
                         "2級建設業経理士を1人増やす", change_id="w.accountants_value+0.4"))
    out.append(_w_change("machines", w.machines + 1, "Own (or lease long-term) one more eligible construction machine",
                         "対象の建設機械を1台増やす（保有または長期リース）", change_id="w.machines+1"))
    grade_texts = {
        "g1": ("one more 1st-grade engineer who has taken the supervising-engineer course (6 points)",
               "監理技術者講習を受講した1級技術者を1人増やす（6点）"),
        "g2": ("one more 1st-grade engineer (5 points)", "1級技術者を1人増やす（5点）"),
        "g5": ("one more 2nd-grade engineer (2 points)", "2級技術者を1人増やす（2点）"),
    }
    for idx, ind in enumerate(inp.industries):
        for grade, (en, ja) in grade_texts.items():
            out.append(_staff_change(idx, ind, grade, 1, f"{ind.name}: {en}", f"{ind.name}: {ja}", tables))
        if ind.staff is not None and ind.staff["g2"] > 0:
            out.append(_staff_change(idx, ind, "g2->g1", 1,
                                     f"{ind.name}: send one 1st-grade engineer to the supervising-engineer course "
                                     "(5 → 6 points)",
                                     f"{ind.name}: 1級技術者1人に監理技術者講習を受講させる（5点 → 6点）", tables))
    return out


def _staff_change(idx: int, ind: IndustryInput, grade: str, count: int, en: str, ja: str, tables: Tables) -> _Change:
    def apply(inp: Input) -> Input:
        current = inp.industries[idx]
        if current.staff is None:
            delta = tables.staff_points["g1"] - tables.staff_points["g2"] if grade == "g2->g1" else \
                tables.staff_points[grade] * count
            new = replace(current, staff_value=current.staff_value + delta)
        else:
            staff = dict(current.staff)
            if grade == "g2->g1":
                staff["g2"] -= count
                staff["g1"] += count
            else:
                staff[grade] += count
            new = replace(current, staff=staff)
        inds = list(inp.industries)
        inds[idx] = new
        return replace(inp, industries=tuple(inds))

    if ind.staff is None:
        delta = (tables.staff_points["g1"] - tables.staff_points["g2"]) if grade == "g2->g1" else \
            tables.staff_points[grade] * count
        change = {f"industries[{idx}].staff_value": f"+{delta}"}
    elif grade == "g2->g1":
        change = {f"industries[{idx}].staff.g2": f"-{count}", f"industries[{idx}].staff.g1": f"+{count}"}
    else:
        change = {f"industries[{idx}].staff.{grade}": f"+{count}"}
    return _Change(f"industries[{idx}].{grade}+{count}", change, en, ja, apply, industry=ind.name)


def best_improvements(inp: Input, tables: Tables | None = None, base: Result | None = None,
                      limit: int = MAX_IMPROVEMENTS) -> list[dict]:
    """Single changes that raise P, found by re-running the calculation; sorted by P gain (largest first)."""
    tables = tables or default_tables()
    base = base or _compute(inp, tables)
    found = []
    for change in _candidate_changes(inp, tables):
        after = _compute(change.apply(inp), tables, explain=False)
        p_gain = {b.name: a.P - b.P for a, b in zip(after.industries, base.industries, strict=True)}
        z_gain = {b.name: a.Z - b.Z for a, b in zip(after.industries, base.industries, strict=True)}
        best = max(p_gain.values())
        if best <= 0:
            continue
        w_gain = after.W - base.W
        lo = min(p_gain.values())
        if change.industry is not None:
            en_gain = f"Z +{z_gain[change.industry]}, P +{p_gain[change.industry]} in {change.industry}"
            ja_gain = f"{change.industry}のZ +{z_gain[change.industry]}点、P +{p_gain[change.industry]}点"
        else:
            span = f"+{best}" if lo == best else f"+{lo} to +{best}"
            en_gain = f"W +{w_gain}, P {span}" + (" in every industry" if len(p_gain) > 1 and lo == best else "")
            ja_gain = f"W +{w_gain}点、P {span.replace(' to ', '〜')}点" + \
                ("（全業種）" if len(p_gain) > 1 and lo == best else "")
        found.append({
            "id": change.id, "industry": change.industry, "change": change.change,
            "gain": {"P": p_gain, "P_max": best, "P_total": sum(p_gain.values()), "W": w_gain, "Z": z_gain},
            "text": {"en": f"{change.en}: {en_gain}", "ja": f"{change.ja}: {ja_gain}"},
        })
    found.sort(key=lambda s: (-s["gain"]["P_max"], -s["gain"]["P_total"], s["id"]))
    return found[:limit]


# ======================================================================= output


def result_to_dict(result: Result) -> dict:
    """JSON-ready dict: integer scores, A as text, explanation and suggestions as plain data."""
    return {
        "review_date": result.review_date.isoformat(),
        "X21": result.X21, "X22": result.X22, "X2": result.X2, "Y": result.Y, "A": format(result.A, "f"),
        "W": result.W, "W_total": result.W_total,
        "industries": [{"name": r.name, "X1": r.X1, "Z1": r.Z1, "Z2": r.Z2, "Z": r.Z, "P": r.P,
                        "P_exact": _fmt(r.P_exact)} for r in result.industries],
        "explanation": result.explanation,
        "best_improvements": result.best_improvements,
        "unconfirmed": result.unconfirmed,
    }


def calculate_payload(payload: Any, tables: Tables | None = None) -> dict:
    """parse_input + calculate + result_to_dict in one call (raises InputError)."""
    return result_to_dict(calculate(parse_input(payload), tables))
