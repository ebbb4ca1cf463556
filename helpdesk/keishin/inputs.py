"""Calculator input: a JSON-like payload checked and turned into immutable :class:`Input` objects.

Input payload (see :func:`parse_input`; every amount in 千円, thousand yen)::

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

Amounts are in 千円 (thousand yen). A fractional amount (an average) is rounded half up to whole
千円 later, in scoring (unconfirmed reading, flagged in the explanation).

Why so strict: exact arithmetic on a number like ``1e-99999999`` takes minutes, so magnitude,
decimal places and digits are bounded here, before any arithmetic; and every error names its field.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .fields import (
    AUDIT_VALUES,
    BALANCES,
    CCUS_VALUES,
    CF_PARTS,
    FIN_REQUIRED,
    FINANCIALS_FIELDS,
    INDICATOR_KEYS,
    MAX_AMOUNT,
    MAX_COUNT,
    MAX_DECIMAL_PLACES,
    MAX_DIGITS,
    MAX_INDUSTRIES,
    MAX_NAME_LENGTH,
    MAX_REVIEW_DATE,
    MIN_REVIEW_DATE,
    STAFF_GRADES,
    W_FIELDS,
    WLB_VALUES,
    join_path,
)


class InputError(ValueError):
    """Invalid calculator input. ``field`` is the path, e.g. ``industries[0].completed_works``."""

    def __init__(self, field: str, message: str, message_ja: str | None = None):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.message_ja = message_ja or message

    def to_dict(self) -> dict:
        return {"field": self.field, "message": self.message, "message_ja": self.message_ja}



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
        return join_path(path, key)
    return f"{path or 'payload'}[{repr(key)[:60]}]"


def _required(obj: dict, key: str, path: str) -> Any:
    if key not in obj or obj[key] is None:
        raise InputError(join_path(path, key), "is required", "必須項目です")
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
    for key in FIN_REQUIRED:
        if key not in values:
            raise InputError(f"{path}.{key}", "is required", "必須項目です")
    if "operating_cf_prev" in values and "operating_cf" not in values:
        raise InputError(f"{path}.operating_cf", "is required when operating_cf_prev is given",
                         "operating_cf_prev を入力する場合は operating_cf も必要です")
    if "operating_cf" in values:
        mixed = [k for k in CF_PARTS if k in values]
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
        extra += [f"{b}_prev2" for b in BALANCES if f"{b}_prev2" in values]
        if extra:
            raise InputError(f"{path}.ordinary_profit_prev", f"is required when {extra[0]} is given",
                             f"{extra[0]} を入力する場合は ordinary_profit_prev も必要です")
    for b in BALANCES:
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

