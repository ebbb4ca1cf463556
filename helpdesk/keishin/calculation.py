"""One keishin calculation: every score of an :class:`~.inputs.Input`, with its explanation.

Scores come from :mod:`.scoring`; this module applies them to each industry (業種), collects the
unconfirmed readings that affected the result, and turns the result into JSON-ready data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .explanation import maxima, parts
from .fields import STAFF_GRADES
from .inputs import IndustryInput, Input
from .rounding import fmt, to_thousand_yen
from .scoring import (
    bracket_score,
    p_score,
    staff_value,
    w_score,
    x2_score,
    y_from_financials,
    y_from_indicators,
    z_score,
)
from .tables import BRACKET_TABLES, Tables


@dataclass(frozen=True)
class IndustryResult:
    name: str
    X1: int
    Z1: int
    Z2: int
    Z: int
    P: int
    P_exact: Decimal
    trade: dict | None = None  # {code, ja, en} when the name is one of the 29 trades


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


def compute(inp: Input, tables: Tables, explain: bool = True) -> Result:
    """Every score for ``inp``; with ``explain``, the table row and formula behind each one."""
    notes: list[str] = []
    exp: dict[str, Any] = {}

    equity, eq_frac = to_thousand_yen(max(inp.equity, Decimal(0)))
    x21, x21_info = bracket_score(tables.x21, equity)
    exp["X21"] = {"input": fmt(inp.equity), "used_amount": equity, "bracket": x21_info, "score": x21,
                  **({"note": {"en": "negative equity counts as 0", "ja": "マイナスの自己資本額は0として扱います"}}
                     if inp.equity < 0 else {})}
    ebitda, eb_frac = to_thousand_yen(max(inp.ebitda, Decimal(0)))
    x22, x22_info = bracket_score(tables.x22, ebitda)
    exp["X22"] = {"input": fmt(inp.ebitda), "used_amount": ebitda, "bracket": x22_info, "score": x22,
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
        trade = ind.trade.to_dict() if ind.trade else None
        industries.append(IndustryResult(ind.name, x1, z1, z2, z, p, p_exact, trade))
        if not explain:
            continue
        za, zb, zdiv = tables.p.z
        staff_detail = ({"staff_value": n, "given": True} if ind.staff is None else
                        {"staff_value": n, "given": False, "counts": dict(ind.staff),
                         "formula": " + ".join(f"{tables.staff_points[g]}×{ind.staff[g]}" for g in STAFF_GRADES)
                         + f" = {n}"})
        terms = [{"component": k, "weight": fmt(weights[k]), "score": s, "contribution": fmt(weights[k] * s)}
                 for k, s in (("X1", x1), ("X2", x2), ("Y", y), ("Z", z), ("W", w))]
        exp_ind.append({
            "name": ind.name,
            "trade": trade,
            "X1": {"input": fmt(ind.completed_works), "used_amount": cw, "bracket": x1_info, "score": x1},
            "Z1": {**staff_detail, "bracket": z1_info, "score": z1},
            "Z2": {"input": fmt(ind.prime_completed_works), "used_amount": pw, "bracket": z2_info, "score": z2},
            "Z": {"formula": f"floor(({za}·{z1} + {zb}·{z2}) / {zdiv}) = {z}", "score": z},
            "P": {"terms": terms, "exact": fmt(p_exact), "score": p,
                  "formula": " + ".join(f"{t['weight']}×{t['score']}" for t in terms)
                  + f" = {fmt(p_exact)} → {p} (half up)"},
        })
    exp["industries"] = exp_ind
    if explain:
        top = maxima(tables, inp.review_date, total_cw_int)
        exp["maxima"] = top
        for entry, result in zip(exp_ind, industries, strict=True):
            entry["parts"] = parts({"X1": result.X1, "X2": x2, "Y": y, "Z": result.Z, "W": w}, top, tables)
    unique = list(dict.fromkeys(notes))
    unconfirmed = [tables.notes[n].to_dict() for n in unique]
    exp["unconfirmed"] = unconfirmed
    exp["tables"] = {"effective_from": {k: tables.bracket_table(k).effective_from.isoformat()
                                                             for k in BRACKET_TABLES}
                     | {"y": tables.y.effective_from.isoformat(), "w": tables.w.effective_from.isoformat(),
                        "p": tables.p.effective_from.isoformat()}}
    return Result(inp.review_date, x21, x22, x2, y, a, w, w_total, tuple(industries), exp, [], unconfirmed)


def result_to_dict(result: Result) -> dict:
    """JSON-ready dict: integer scores, A as text, explanation and suggestions as plain data."""
    return {
        "review_date": result.review_date.isoformat(),
        "X21": result.X21, "X22": result.X22, "X2": result.X2, "Y": result.Y, "A": format(result.A, "f"),
        "W": result.W, "W_total": result.W_total,
        "industries": [{"name": r.name, "X1": r.X1, "Z1": r.Z1, "Z2": r.Z2, "Z": r.Z, "P": r.P,
                        "P_exact": fmt(r.P_exact), "trade": r.trade} for r in result.industries],
        "maxima": result.explanation.get("maxima"),
        "explanation": result.explanation,
        "best_improvements": result.best_improvements,
        "unconfirmed": result.unconfirmed,
    }
