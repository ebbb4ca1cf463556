"""What a result means: each part of P against the most it can give, the part with the most room first.

A score of 842 says little to someone new to keishin; "X1 gives 210.5 of at most 577.25 P points"
says where the points are. Every maximum here is computed from the tables (the best score any
accepted input can reach), never typed in, so a revised table revises them too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .fields import AUDIT_VALUES, CCUS_VALUES, MAX_AMOUNT, MAX_COUNT, W_FIELDS, WLB_VALUES
from .inputs import WInput
from .rounding import fmt
from .scoring import bracket_score, p_score, w_score, x2_score, y_from_indicators, z_score
from .tables import Tables

PARTS = ("X1", "X2", "Y", "Z", "W")
_DEDUCTIONS = ("rehabilitation", "suspension_order", "instruction_order")  # items that only take points away


def best_w_input(tables: Tables, audit: str) -> WInput:
    """The W answers that give the most points, for one audit status (R&D counts only with one of them)."""
    wt = tables.w
    values: dict = {k: True for k, (kind, *_rest) in W_FIELDS.items() if kind == "bool" and k not in _DEDUCTIONS}
    values.update(
        skills_points=wt.points["skills_max"], years_in_business=wt.years["free_years"] + wt.years["max"],
        wlb=max(WLB_VALUES, key=lambda k: wt.wlb[k]), ccus=max(CCUS_VALUES, key=lambda k: wt.ccus[k]), audit=audit,
        accountants_value=Decimal(MAX_COUNT), rnd_expense=Decimal(MAX_AMOUNT), machines=MAX_COUNT)
    return WInput(**values)


def maxima(tables: Tables, review_date: dt.date, total_completed_works: int) -> dict[str, int]:
    """The highest score of each part (and of P) that the tables give on this standard screening day.

    W's maximum depends on the day (its multiplier) and, through the accountants' row, on the company's
    total completed works, so both are parameters.
    """
    top = {key: bracket_score(tables.bracket_table(key), limit)[0]
           for key, limit in (("x1", MAX_AMOUNT), ("x21", MAX_AMOUNT), ("x22", MAX_AMOUNT), ("z1", 6 * MAX_COUNT),
                              ("z2", MAX_AMOUNT))}
    y = y_from_indicators({k: ind.best for k, ind in tables.y.indicators.items()}, tables)[0]
    w = max(w_score(best_w_input(tables, audit), review_date, total_completed_works, tables)[0]
            for audit in AUDIT_VALUES)
    x2 = x2_score(top["x21"], top["x22"], tables)
    z = z_score(top["z1"], top["z2"], tables)
    p = p_score(top["x1"], x2, y, z, w, tables)[0]
    return {"X1": top["x1"], "X21": top["x21"], "X22": top["x22"], "X2": x2, "Y": y, "Z1": top["z1"],
            "Z2": top["z2"], "Z": z, "W": w, "P": p}


def parts(scores: dict[str, int], top: dict[str, int], tables: Tables) -> list[dict]:
    """Each part's weighted points in P against its weighted maximum; the most room (P points still
    possible) first, so the part worth working on leads."""
    out = []
    for key in PARTS:
        weight = tables.p.weights[key]
        points, most = weight * scores[key], weight * top[key]
        out.append({"component": key, "score": scores[key], "max": top[key], "weight": fmt(weight),
                    "points": fmt(points), "max_points": fmt(most), "room": fmt(most - points),
                    "share": fmt((points / most * 100).quantize(Decimal("0.1"))) if most else "0"})
    out.sort(key=lambda part: (-Decimal(part["room"]), PARTS.index(part["component"])))
    return out
