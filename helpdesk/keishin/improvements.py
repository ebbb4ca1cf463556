"""Which single change raises P most: candidate changes, each recomputed, ranked by the P points gained.

Nothing is estimated: every suggestion is the difference between two full calculations, so it
can never promise points the tables would not give.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from .calculation import Result, compute
from .fields import AUDIT_VALUES, CCUS_VALUES, MAX_IMPROVEMENTS, WLB_VALUES
from .inputs import IndustryInput, Input
from .rounding import fmt
from .tables import Tables, default_tables


@dataclass(frozen=True)
class _Change:
    id: str
    change: dict
    en: str
    ja: str
    apply: Callable[[Input], Input]
    industry: str | None = None
    industry_en: str = ""
    industry_ja: str = ""


def _w_change(field_name: str, value: Any, en: str, ja: str, change_id: str | None = None) -> _Change:
    return _Change(change_id or f"w.{field_name}", {f"w.{field_name}": value if not isinstance(value, Decimal)
                   else fmt(value)}, en, ja, lambda inp: replace(inp, w=replace(inp.w, **{field_name: value})))


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
        name_en, name_ja = ind.display_name("en"), ind.display_name("ja")
        for grade, (en, ja) in grade_texts.items():
            out.append(_staff_change(idx, ind, grade, 1, f"{name_en}: {en}", f"{name_ja}: {ja}", tables))
        if ind.staff is not None and ind.staff["g2"] > 0:
            out.append(_staff_change(idx, ind, "g2->g1", 1,
                                     f"{name_en}: send one 1st-grade engineer to the supervising-engineer course "
                                     "(5 → 6 points)",
                                     f"{name_ja}: 1級技術者1人に監理技術者講習を受講させる（5点 → 6点）", tables))
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
    return _Change(f"industries[{idx}].{grade}+{count}", change, en, ja, apply, industry=ind.name,
                   industry_en=ind.display_name("en"), industry_ja=ind.display_name("ja"))


def best_improvements(inp: Input, tables: Tables | None = None, base: Result | None = None,
                      limit: int = MAX_IMPROVEMENTS) -> list[dict]:
    """Single changes that raise P, found by re-running the calculation; sorted by P gain (largest first)."""
    tables = tables or default_tables()
    base = base or compute(inp, tables)
    found = []
    for change in _candidate_changes(inp, tables):
        after = compute(change.apply(inp), tables, explain=False)
        p_gain = {b.name: a.P - b.P for a, b in zip(after.industries, base.industries, strict=True)}
        z_gain = {b.name: a.Z - b.Z for a, b in zip(after.industries, base.industries, strict=True)}
        best = max(p_gain.values())
        if best <= 0:
            continue
        w_gain = after.W - base.W
        lo = min(p_gain.values())
        if change.industry is not None:
            en_gain = f"Z +{z_gain[change.industry]}, P +{p_gain[change.industry]} in {change.industry_en}"
            ja_gain = f"{change.industry_ja}のZ +{z_gain[change.industry]}点、P +{p_gain[change.industry]}点"
        else:
            span = f"+{best}" if lo == best else f"+{lo} to +{best}"
            en_gain = f"W +{w_gain}, P {span}" + (" in every trade" if len(p_gain) > 1 and lo == best else "")
            ja_gain = f"W +{w_gain}点、P {span.replace(' to ', '〜')}点" + \
                ("（全業種）" if len(p_gain) > 1 and lo == best else "")
        found.append({
            "id": change.id, "industry": change.industry, "change": change.change,
            "gain": {"P": p_gain, "P_max": best, "P_total": sum(p_gain.values()), "W": w_gain, "Z": z_gain},
            "text": {"en": f"{change.en}: {en_gain}", "ja": f"{change.ja}: {ja_gain}"},
        })
    found.sort(key=lambda s: (-s["gain"]["P_max"], -s["gain"]["P_total"], s["id"]))
    return found[:limit]

