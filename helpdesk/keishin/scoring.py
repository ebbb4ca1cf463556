"""The keishin scores one by one: X1, X21, X22, X2, Y, Z1, Z2, Z, W and P (pure functions).

Every constant comes from the tables (``knowledge/keishin``, see :mod:`.tables`); the formulas are::

    P  = 0.25·X1 + 0.15·X2 + 0.20·Y + 0.25·Z + 0.15·W      rounded half up (四捨五入)
    X1, X21, X22, Z1, Z2 = floor(a·A / b) + c              bracket row: from ≤ A < next higher from
    X2 = floor((X21 + X22) / 2)                            negative equity / X22 input counts as 0
    Z  = floor((4·Z1 + Z2) / 5)
    Y  = 167.3·A + 583, half up, clamped to 0..1595;  A = Σ coef·x + 0.1906, half up to 2 decimals
    W  = (W1 + … + W8) × 1750/200 (screening day ≥ 2023-08-14; before: × 1900/200), truncated

Zero denominators in Y: 売上高 = 0 → x1, x2, x4 take their worst value; 固定資産 = 0 → x5 best (350)
if 自己資本 > 0, else worst (−76.5); 総資本 = 0 → x6 worst (−68.6).

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
from collections.abc import Mapping
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .fields import AUDIT_VALUES, CCUS_VALUES, INDICATOR_KEYS, STAFF_GRADES, W_FIELDS, WLB_VALUES
from .rounding import fmt, round_half_up, to_thousand_yen
from .tables import BracketTable, Indicator, Tables, WTable, default_tables

if TYPE_CHECKING:
    from .inputs import WInput


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


# ----------------------------------------------------------------------- Y


def _indicator_entry(ind: Indicator, raw: Fraction | Decimal | None, places: int, note: dict | None) -> dict:
    if raw is None:  # special case: worst/best value by rule
        rounded = None
        value = Decimal(note["value"])
    else:
        rounded = round_half_up(raw, places)
        value = min(max(rounded, ind.low), ind.high)
    contribution = ind.coefficient * value
    entry = {"name": {"en": ind.en, "ja": ind.ja}, "unit": ind.unit,
             "raw": None if raw is None else fmt(round_half_up(raw, places + 3)),
             "rounded": None if rounded is None else fmt(rounded), "value": fmt(value),
             "clamped": rounded is not None and value != rounded, "best": fmt(ind.best), "worst": fmt(ind.worst),
             "coefficient": fmt(ind.coefficient), "contribution": fmt(contribution)}
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
        "indicators": entries, "A_exact": fmt(a_exact), "A": fmt(a), "Y_exact": fmt(y_exact), "Y": y,
        "formula": f"A = Σ coefficient × x + {fmt(yt.constant)} = {fmt(a_exact)} → {fmt(a)} (half up, "
                   f"{yt.a_decimals} decimals); Y = {fmt(yt.multiplier)} × {fmt(a)} + {fmt(yt.offset)} = "
                   f"{fmt(y_exact)} → {y_rounded} (half up)"
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
    return None, {"value": str(value), "en": f"{en} → {which} value {fmt(value)}",
                  "ja": f"{ja} → {'最低' if which == 'worst' else '最高'}値 {fmt(value)}"}


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
            return sum(parts.values(), Fraction(0)), {k: fmt(v) for k, v in parts.items()}

        cur, cur_parts = one("", "_prev", "ordinary_profit", "depreciation", "corporate_taxes")
        periods = [cur]
        detail = {"given": False, "current_parts": cur_parts}
        if "ordinary_profit_prev" in f:
            prev, prev_parts = one("_prev", "_prev2", "ordinary_profit_prev", "depreciation_prev",
                                   "corporate_taxes_prev")
            periods.append(prev)
            detail["previous_parts"] = prev_parts
    average = sum(periods, Fraction(0)) / len(periods)
    detail.update({"periods": [fmt(p) for p in periods], "average": fmt(average)})
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
    exp["total_capital"] = {"periods": [fmt(c) for c in capitals], "average": fmt(avg_capital),
                            "used": fmt(capital_used), "floor": floor,
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


# ----------------------------------------------------------------------- W


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
                    return pts, {"row": i + 1, "from": start, "threshold": fmt(minimum)}
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
        {"en": f"value {fmt(w.accountants_value)}; row from {acc_row.get('from'):,} (total average completed "
               f"works {total_completed_works:,})",
         "ja": f"数値 {fmt(w.accountants_value)}、区分 {acc_row.get('from'):,}千円以上（年間平均完成工事高の合計 "
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
        item["W_contribution"] = fmt(Fraction(item["points"] * mult.numerator, mult.denominator))
    groups = {}
    for item in items:
        groups[item["group"]] = groups.get(item["group"], 0) + item["points"]
    explanation = {
        "items": items, "groups": groups, "W_total": total,
        "multiplier": {"numerator": mult.numerator, "denominator": mult.denominator, "applies": mult.describe()},
        "W_exact": fmt(exact), "W": w_value, "rounding": wt.rounding,
        "formula": f"{total} × {mult.numerator} / {mult.denominator} = {fmt(exact)} → {w_value} ({wt.rounding})",
        "defaulted_fields": list(w.defaulted),
    }
    return w_value, total, explanation, notes

