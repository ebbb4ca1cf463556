"""Calculator input: a JSON-like payload checked and turned into immutable :class:`Input` objects.

Input payload (see :func:`parse_input`; every amount in 千円, thousand yen)::

    {"review_date": "YYYY-MM-DD",                      # 審査基準日, required
     "industries": [                                    # 1..30, required
        {"name": str,                                   # 業種: trade name (ja/en) or code, or any name; unique
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
from collections.abc import Callable, Mapping
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
from .trades import Trade, default_trades


class InputError(ValueError):
    """Invalid calculator input. ``field`` is the path, e.g. ``industries[0].completed_works``."""

    def __init__(self, field: str, message: str, message_ja: str | None = None):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.message_ja = message_ja or message

    def to_dict(self) -> dict:
        return {"field": self.field, "message": self.message, "message_ja": self.message_ja}


class InputErrors(InputError):
    """Every problem of one payload at once; ``field``/``message`` are those of the first, for callers
    (and clients) that read one error only."""

    def __init__(self, errors: list[InputError]):
        first = errors[0]
        super().__init__(first.field, first.message, first.message_ja)
        self.errors = list(errors)


BAD = object()  # a value that failed its check (already recorded); later checks that need it are skipped


class Problems:
    """The problems found so far while reading one payload, in the order they were found."""

    def __init__(self) -> None:
        self.errors: list[InputError] = []

    def __len__(self) -> int:
        return len(self.errors)

    def add(self, error: InputError) -> None:
        self.errors.append(error)

    def check(self, parse: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``parse(*args, **kwargs)``, or BAD after recording its InputError."""
        try:
            return parse(*args, **kwargs)
        except InputErrors as exc:
            self.errors.extend(exc.errors)
        except InputError as exc:
            self.errors.append(exc)
        return BAD

    def raise_if_any(self) -> None:
        if self.errors:
            raise InputErrors(self.errors)


@dataclass(frozen=True)
class IndustryInput:
    name: str
    completed_works: Decimal
    prime_completed_works: Decimal
    staff_value: int | None = None
    staff: Mapping[str, int] | None = None
    trade: Trade | None = None  # when the name is one of the 29 trades (Japanese or English name, or code)

    def display_name(self, lang: str) -> str:
        """The trade's name in ``lang`` (in English with its code and Japanese name, as on Japanese papers)
        when the name is a known trade, else the name as given."""
        if self.trade is None:
            return self.name
        return self.trade.ja if lang == "ja" else f"{self.trade.en} ({self.trade.code} {self.trade.ja})"


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


def _object(value: Any, path: str, allowed: tuple[str, ...] | Mapping, problems: Problems) -> dict | None:
    """The mapping at ``path`` (None if it is not one); each unknown key is a problem of its own."""
    if not isinstance(value, dict):
        problems.add(InputError(path or "payload", f"must be an object, got {_type_name(value)}",
                                "オブジェクトを指定してください"))
        return None
    for key in value:
        if not isinstance(key, str) or key not in allowed:
            shown = repr(key)[:60]
            problems.add(InputError(unknown_field_path(path, key), f"unknown field {shown}",
                                    f"不明な項目です: {shown}"))
    return value


def unknown_field_path(path: str, key: Any) -> str:
    """Path naming an unexpected key; odd keys (empty, non-text, dotted) are shown quoted in brackets."""
    if isinstance(key, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,59}", key):
        return join_path(path, key)
    return f"{path or 'payload'}[{repr(key)[:60]}]"


def _required(obj: dict, key: str, path: str, problems: Problems) -> Any:
    if key not in obj or obj[key] is None:
        problems.add(InputError(join_path(path, key), "is required", "必須項目です"))
        return BAD
    return obj[key]


def _number(obj: dict, key: str, path: str, problems: Problems, **bounds: Any) -> Decimal | object:
    value = _required(obj, key, path, problems)
    return BAD if value is BAD else problems.check(parse_number, value, join_path(path, key), **bounds)


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


def _parse_industry(raw: Any, path: str, problems: Problems) -> tuple[Any, IndustryInput | None]:
    """(the industry's name or BAD, the industry or None): the name is checked for duplicates on its own."""
    obj = _object(raw, path, ("name", "completed_works", "prime_completed_works", "staff_value", "staff"), problems)
    if obj is None:
        return BAD, None
    before = len(problems)
    name = _required(obj, "name", path, problems)
    if name is not BAD and (not isinstance(name, str) or not name.strip()):
        problems.add(InputError(f"{path}.name", "must be a non-empty text", "業種名を入力してください"))
        name = BAD
    elif name is not BAD and len(name) > MAX_NAME_LENGTH:
        problems.add(InputError(f"{path}.name", f"is too long (at most {MAX_NAME_LENGTH} characters)",
                                f"{MAX_NAME_LENGTH}文字以内で入力してください"))
        name = BAD
    name = name if name is BAD else name.strip()
    completed = _number(obj, "completed_works", path, problems, minimum=0)
    prime = _number(obj, "prime_completed_works", path, problems, minimum=0)
    if completed is not BAD and prime is not BAD and prime > completed:
        problems.add(InputError(f"{path}.prime_completed_works", "cannot be larger than completed_works",
                                "元請完成工事高は完成工事高を超えられません"))
    has_value = obj.get("staff_value") is not None
    has_staff = obj.get("staff") is not None
    value = staff = None
    if has_value == has_staff:
        problems.add(InputError(f"{path}.staff_value", "give either staff_value or staff (counts g1..g6), not both"
                                if has_value else "is required (or give staff with counts g1..g6)",
                                "技術職員数値（staff_value）または人数（staff）のどちらか一方を入力してください"))
    elif has_value:
        value = problems.check(_int, obj["staff_value"], f"{path}.staff_value", maximum=6 * MAX_COUNT)
    else:
        staff_obj = _object(obj["staff"], f"{path}.staff", STAFF_GRADES, problems)
        if staff_obj is not None:
            staff = {g: problems.check(_int, staff_obj.get(g, 0), f"{path}.staff.{g}") for g in STAFF_GRADES}
    if len(problems) > before:
        return name, None
    return name, IndustryInput(name, completed, prime, staff_value=value, staff=staff,
                               trade=default_trades().resolve(name))


def _parse_financials(raw: Any, path: str, problems: Problems) -> dict[str, Decimal] | object:
    obj = _object(raw, path, FINANCIALS_FIELDS, problems)
    if obj is None:
        return BAD
    before = len(problems)
    values: dict[str, Decimal] = {}
    given: set[str] = set()
    for key, val in obj.items():
        if key not in FINANCIALS_FIELDS or val is None:
            continue
        given.add(key)
        sign = FINANCIALS_FIELDS[key][0]
        number = problems.check(parse_number, val, f"{path}.{key}", minimum=0 if sign == "nonnegative" else None)
        if number is not BAD:
            values[key] = number

    def require(key: str, en: str, ja: str) -> None:
        problems.add(InputError(f"{path}.{key}", en, ja))

    for key in FIN_REQUIRED:
        if key not in given:
            require(key, "is required", "必須項目です")
    if "operating_cf_prev" in given and "operating_cf" not in given:
        require("operating_cf", "is required when operating_cf_prev is given",
                "operating_cf_prev を入力する場合は operating_cf も必要です")
    if "operating_cf" in given:
        mixed = [k for k in CF_PARTS if k in given]
        if mixed:
            require(mixed[0], "give either operating_cf or the cash-flow parts, not both",
                    "営業キャッシュフローは operating_cf か内訳のどちらか一方で入力してください")
        return values if len(problems) == before else BAD
    for key in ("depreciation", "corporate_taxes"):
        if key not in given:
            require(key, "is required to compute the operating cash flow (or give operating_cf)",
                    "営業キャッシュフローの計算に必要です（または operating_cf を入力してください）")
    two_periods = "ordinary_profit_prev" in given
    if two_periods:
        for key in ("depreciation_prev", "corporate_taxes_prev"):
            if key not in given:
                require(key, "is required when ordinary_profit_prev is given",
                        "ordinary_profit_prev を入力する場合は必要です")
    else:
        extra = [k for k in ("depreciation_prev", "corporate_taxes_prev") if k in given]
        extra += [f"{b}_prev2" for b in BALANCES if f"{b}_prev2" in given]
        if extra:
            require("ordinary_profit_prev", f"is required when {extra[0]} is given",
                    f"{extra[0]} を入力する場合は ordinary_profit_prev も必要です")
    for b in BALANCES:
        needed = [b, f"{b}_prev"] + ([f"{b}_prev2"] if two_periods else [])
        present = [k for k in needed + [f"{b}_prev2"] if k in given]
        for k in needed if present else ():
            if k not in given:
                require(k, f"is required when {present[0]} is given", f"{present[0]} を入力する場合は必要です")
    return values if len(problems) == before else BAD


def _parse_y(raw: Any, path: str, problems: Problems) -> YInput | object:
    obj = _object(raw, path, ("indicators", "financials"), problems)
    if obj is None:
        return BAD
    has_ind = obj.get("indicators") is not None
    has_fin = obj.get("financials") is not None
    if has_ind == has_fin:
        problems.add(InputError(f"{path}.indicators",
                                "give either indicators or financials" + (", not both" if has_ind else ""),
                                "indicators（指標）または financials（決算数値）のどちらか一方を入力してください"))
        return BAD
    if has_fin:
        financials = _parse_financials(obj["financials"], f"{path}.financials", problems)
        return BAD if financials is BAD else YInput(financials=financials)
    ind = _object(obj["indicators"], f"{path}.indicators", INDICATOR_KEYS, problems)
    if ind is None:
        return BAD
    values = {k: _number(ind, k, f"{path}.indicators", problems) for k in INDICATOR_KEYS}
    return BAD if BAD in values.values() else YInput(indicators=values)


def _parse_w(raw: Any, path: str, problems: Problems) -> WInput | object:
    if raw is None:
        return WInput(defaulted=tuple(W_FIELDS))
    obj = _object(raw, path, W_FIELDS, problems)
    if obj is None:
        return BAD
    values: dict[str, Any] = {}
    defaulted = []
    for key, (kind, _default, _en, _ja) in W_FIELDS.items():
        p = f"{path}.{key}"
        if obj.get(key) is None:
            defaulted.append(key)
            continue
        val = obj[key]
        if kind == "bool":
            values[key] = problems.check(_bool, val, p)
        elif kind == "int":
            maximum = 10 if key == "skills_points" else (2000 if key == "years_in_business" else MAX_COUNT)
            values[key] = problems.check(_int, val, p, maximum=maximum)
        elif kind == "number":
            maximum = MAX_COUNT if key == "accountants_value" else MAX_AMOUNT
            values[key] = problems.check(parse_number, val, p, minimum=0, maximum=maximum)
        else:
            allowed = {"wlb": WLB_VALUES, "ccus": CCUS_VALUES, "audit": AUDIT_VALUES}[kind]
            values[key] = problems.check(_enum, val, p, allowed)
    return BAD if BAD in values.values() else WInput(**values, defaulted=tuple(defaulted))


def _parse_industries(raw: Any, problems: Problems) -> list[IndustryInput]:
    if raw is BAD:
        return []
    if not isinstance(raw, list):
        problems.add(InputError("industries", f"must be a list, got {_type_name(raw)}",
                                "業種の一覧（リスト）が必要です"))
        return []
    if not raw:
        problems.add(InputError("industries", "needs at least one industry", "業種を1つ以上入力してください"))
        return []
    if len(raw) > MAX_INDUSTRIES:
        problems.add(InputError("industries", f"at most {MAX_INDUSTRIES} industries",
                                f"業種は{MAX_INDUSTRIES}件までです"))
        return []
    industries = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        name, ind = _parse_industry(item, f"industries[{i}]", problems)
        trade = None if name is BAD else default_trades().resolve(name)
        key = trade.code if trade else name   # 土木一式, 土木一式工事 and 010 are one trade
        if name is not BAD and key in seen:
            en_more = f" (the trade {trade.code} {trade.en} is already given)" if trade else ""
            ja_more = f"（{trade.code} {trade.ja}）" if trade else ""
            problems.add(InputError(f"industries[{i}].name", f"duplicate industry {name!r}{en_more}",
                                    f"業種名が重複しています: {name}{ja_more}"))
        elif name is not BAD:
            seen.add(key)
        if ind is not None:
            industries.append(ind)
    return industries


def parse_input(payload: Any) -> Input:
    """Validate a JSON-like payload (schema in the module docstring) into an :class:`Input`.

    Raises only :class:`InputErrors` listing every problem found, in the order of the payload; its own
    ``field`` and ``message`` are those of the first (``industries[0].completed_works``).
    """
    problems = Problems()
    obj = _object(payload, "", ("review_date", "industries", "equity", "ebitda", "y", "w"), problems)
    if obj is None:
        problems.raise_if_any()
    day = _required(obj, "review_date", "", problems)
    review_date = BAD if day is BAD else problems.check(parse_date, day, "review_date")
    industries = _parse_industries(_required(obj, "industries", "", problems), problems)
    equity = _number(obj, "equity", "", problems)
    ebitda = _number(obj, "ebitda", "", problems)
    raw_y = _required(obj, "y", "", problems)
    y = BAD if raw_y is BAD else _parse_y(raw_y, "y", problems)
    w = _parse_w(obj.get("w"), "w", problems)
    problems.raise_if_any()
    return Input(review_date, tuple(industries), equity, ebitda, y, w)
