"""Keishin P-score calculator: worked examples, every bracket edge, properties, input errors."""

from __future__ import annotations

import copy
import json
import re
import shutil
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpdesk.keishin import calculate, explanation, fields, inputs, result_to_dict, scoring, trades
from helpdesk.keishin import tables as tbl
from helpdesk.keishin.inputs import InputError, parse_input
from helpdesk.keishin.scoring import bracket_score
from helpdesk.keishin.tables import TablesError

TABLES = tbl.load_tables()
SLOW = settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------- helpers


def base_payload(**overrides) -> dict:
    payload = {
        "review_date": "2024-03-31",
        "industries": [
            {"name": "土木一式", "completed_works": 993647, "prime_completed_works": 498977,
             "staff": {"g1": 2, "g2": 5, "g3": 0, "g4": 0, "g5": 8, "g6": 3}},
            {"name": "舗装", "completed_works": 120000, "prime_completed_works": 60000, "staff_value": 30},
        ],
        "equity": 422327,
        "ebitda": 88314,
        "y": {"indicators": {"x1": 0.392, "x2": 4, "x3": 18.492, "x4": 3.333, "x5": 211.164, "x6": 51.358,
                             "x7": 0.385, "x8": 3.5}},
        "w": {"employment_insurance": True, "health_insurance": True, "pension_insurance": True,
              "construction_retirement_mutual_aid": True, "years_in_business": 30, "audit": "self",
              "accountants_value": 1.2, "machines": 3, "wlb": "kurumin"},
    }
    payload.update(overrides)
    return payload


def run(payload: dict, **kw):
    return calculate(parse_input(payload), **kw)


def all_w(value: bool) -> dict:
    return {k: value for k, (kind, *_rest) in fields.W_FIELDS.items() if kind == "bool"}


def edges(key: str):
    table = TABLES.bracket_table(key)
    return [(key, upper, lower) for upper, lower in zip(table.brackets, table.brackets[1:], strict=False)]


ALL_EDGES = [e for k in tbl.BRACKET_TABLES for e in edges(k)]


def slope_ceil(*rows) -> int:
    """Largest possible one-unit step inside the given rows (Z1 rises more than 1 point per staff point)."""
    return max(-(-r.a // r.b) for r in rows)

# ---------------------------------------------------------------------------------------------- tables


def test_bracket_counts_and_fixed_ends():
    counts = {"x1": 42, "x21": 47, "x22": 37, "z1": 30, "z2": 42}
    tops = {"x1": 2309, "x21": 2114, "x22": 2447, "z1": 2335, "z2": 2865}
    bottoms = {"x1": 397, "x21": 361, "x22": 547, "z1": 510, "z2": 241}
    for key, n in counts.items():
        table = TABLES.bracket_table(key)
        assert len(table.brackets) == n
        assert table.brackets[-1].start == 0
        assert bracket_score(table, 0)[0] == bottoms[key]
        assert bracket_score(table, table.brackets[0].start)[0] == tops[key]
        assert bracket_score(table, 10**12)[0] == tops[key]
        assert [b.start for b in table.brackets] == sorted((b.start for b in table.brackets), reverse=True)


def test_first_rows_typed_exactly():
    # spot rows from each table of the research file
    rows = {
        "x1": [(2, 80000000, 114, 20000000, 1739), (41, 10000, 11, 2000, 473), (42, 0, 131, 10000, 397)],
        "x21": [(26, 1000000, 21, 200000, 816), (36, 100000, 13, 20000, 650), (47, 0, 223, 10000, 361)],
        "x22": [(28, 60000, 19, 20000, 649), (29, 50000, 12, 10000, 634), (37, 0, 78, 10000, 547)],
        "z1": [(2, 11930, 62, 3570, 2065), (23, 50, 62, 15, 742), (30, 0, 62, 5, 510)],
        "z2": [(2, 80000000, 119, 20000000, 2270), (42, 0, 341, 10000, 241)],
    }
    for key, expected in rows.items():
        for row, start, a, b, c in expected:
            br = TABLES.bracket_table(key).brackets[row - 1]
            assert (br.row, br.start, br.a, br.b, br.c) == (row, start, a, b, c)


def test_every_yaml_file_has_source_and_effective_from():
    import yaml

    for file in sorted(tbl.DEFAULT_TABLES_DIR.glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        assert data["source"] and all(s["url"].startswith("https://") for s in data["source"]), file
        assert data["effective_from"], file
        assert "unconfirmed" in data, file
    w = yaml.safe_load((tbl.DEFAULT_TABLES_DIR / "w.yaml").read_text(encoding="utf-8"))
    assert w["multipliers"] == [{"from": "2023-08-14", "numerator": 1750, "denominator": 200},
                                {"until": "2023-08-13", "numerator": 1900, "denominator": 200}]
    p = yaml.safe_load((tbl.DEFAULT_TABLES_DIR / "p.yaml").read_text(encoding="utf-8"))
    assert p["weights"] == {"X1": "0.25", "X2": "0.15", "Y": "0.20", "Z": "0.25", "W": "0.15"}


def test_required_notes_present_and_bilingual():
    for note_id in tbl.REQUIRED_NOTES:
        note = TABLES.notes[note_id]
        assert note.level in ("U", "D") and note.en and note.ja


def test_wlb_values_documented():
    assert set(fields.WLB_VALUES) == set(TABLES.w.wlb)
    for key, label in fields.WLB_VALUES.items():
        assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", key)
        assert label["en"] and label["ja"]


def test_financials_fields_documented():
    doc = inputs.__doc__
    for key, (sign, en, ja) in fields.FINANCIALS_FIELDS.items():
        assert sign in ("nonnegative", "any") and en and ja
        base = re.sub(r"_prev2?$", "", key)
        assert f"``{base}" in doc or f"``{key}``" in doc, key


# ---------------------------------------------------------------------------------------------- §8 examples


@pytest.mark.parametrize(("key", "amount", "expected"), [
    # research §8.1
    ("x1", 11000, 533), ("x1", 98000, 708), ("x1", 99000, 709), ("x1", 100000, 711),
    ("x1", 1900000, 1111), ("x1", 1400000, 1070), ("x1", 1100000, 1025), ("x1", 950000, 996),
    ("x1", 5000000, 1310),
    ("x21", 1000000, 921), ("x21", 100000, 715),
    ("x22", 100000, 741), ("x22", 70000, 715),
    ("z2", 10451, 585),
    # further examples quoted in §2, §3, §5
    ("x1", 993647, 1004), ("x1", 969957, 1000), ("x1", 4000000, 1259), ("x1", 3000000, 1209),
    ("x1", 2500000, 1158), ("x1", 2000000, 1119), ("x1", 1500000, 1083), ("x1", 1200000, 1045),
    ("x1", 1000000, 1006), ("x1", 900000, 987),
    ("x21", 422327, 832), ("x21", 282007, 795), ("x21", 336010, 810),
    ("x22", 88314, 731), ("x22", 21486, 651), ("x22", 44332, 687),
    ("z2", 21085, 649), ("z2", 498977, 1090),
])
def test_worked_examples(key, amount, expected):
    score, info = bracket_score(TABLES.bracket_table(key), amount)
    assert score == expected
    assert info["from"] <= amount and (info["to"] is None or amount < info["to"])


def test_x1_example_names_bracket_41():
    _, info = bracket_score(TABLES.x1, 11000)
    assert (info["row"], info["a"], info["b"], info["c"]) == (41, 11, 2000, 473)
    assert info["formula"] == "floor(11 × 11000 / 2000) + 473 = 533"


def test_full_p_example_769_85_rounds_to_770():
    p, exact = scoring.p_score(605, 593, 1060, 655, 1026, TABLES)
    assert exact == Decimal("769.85")
    assert p == 770


def test_z1_example_consistent_with_real_notice():
    # keishin-cloud notice: Z = 1,002 with prime 498,977 → Z2 1,090 needs Z1 981, reached at N = 58
    z1, _ = bracket_score(TABLES.z1, 58)
    assert z1 == 981
    assert scoring.z_score(z1, 1090, TABLES) == 1002


def test_component_extremes():
    assert scoring.x2_score(361, 547, TABLES) == 454
    assert scoring.x2_score(2114, 2447, TABLES) == 2280
    assert scoring.z_score(510, 241, TABLES) == 456
    assert scoring.z_score(2335, 2865, TABLES) == 2441


def test_y_best_and_worst_bounds():
    ind = TABLES.y.indicators
    worst = {k: ind[k].worst for k in fields.INDICATOR_KEYS}
    best = {k: ind[k].best for k in fields.INDICATOR_KEYS}
    y, a, exp = scoring.y_from_indicators(worst, TABLES)
    assert Decimal(exp["A_exact"]) == Decimal("-4.72344")
    assert y == 0
    y, a, exp = scoring.y_from_indicators(best, TABLES)
    assert Decimal(exp["A_exact"]) == Decimal("6.04634")
    assert a == Decimal("6.05")
    assert Decimal(exp["Y_exact"]) == Decimal("1595.165")
    assert y == 1595


def test_y_indicators_clamped_and_rounded():
    values = {"x1": -5, "x2": 0, "x3": 1000, "x4": 99, "x5": 1000, "x6": 99, "x7": 99, "x8": 999}
    y, _, exp = scoring.y_from_indicators(values, TABLES)
    assert y == 1595
    assert exp["indicators"]["x1"]["value"] == "-0.3" and exp["indicators"]["x1"]["clamped"] is True
    # 3-decimal half-up rounding before the clamp: 1.2345 → 1.235 (not banker's 1.234)
    _, _, exp = scoring.y_from_indicators({**values, "x4": Decimal("1.2345")}, TABLES)
    assert exp["indicators"]["x4"]["rounded"] == "1.235"
    _, _, exp = scoring.y_from_indicators({**values, "x4": Decimal("-1.2345")}, TABLES)
    assert exp["indicators"]["x4"]["rounded"] == "-1.235"


# ---------------------------------------------------------------------------------------------- every edge


@pytest.mark.parametrize(("key", "upper", "lower"), ALL_EDGES,
                         ids=[f"{k}-row{u.row}-from{u.start}" for k, u, _ in ALL_EDGES])
def test_bracket_edge(key, upper, lower):
    table = TABLES.bracket_table(key)
    at, at_info = bracket_score(table, upper.start)
    below, below_info = bracket_score(table, upper.start - 1)
    # the row boundaries are inclusive below, exclusive above
    assert at_info["row"] == upper.row and below_info["row"] == lower.row
    # and match the floor formula of their own row exactly
    assert at == upper.a * upper.start // upper.b + upper.c
    assert below == lower.a * (upper.start - 1) // lower.b + lower.c
    # continuity: at `from` the formula of the other side (the row below) differs by at most 1 point
    assert abs(at - (lower.a * upper.start // lower.b + lower.c)) <= 1
    # at `from - 1` the upper row's formula differs by at most 1 point plus one step of its slope
    if upper.a:
        assert abs(below - (upper.a * (upper.start - 1) // upper.b + upper.c)) <= 1 + slope_ceil(upper)
    # and the score never falls across the edge, nor jumps by more than one step + 1
    assert 0 <= at - below <= 1 + slope_ceil(upper, lower)


def test_bracket_score_rejects_bad_amounts():
    with pytest.raises(ValueError, match="negative"):
        bracket_score(TABLES.x1, -1)
    with pytest.raises(TypeError):
        bracket_score(TABLES.x1, 1.5)
    with pytest.raises(TypeError):
        bracket_score(TABLES.x1, True)


@pytest.mark.parametrize("key", tbl.BRACKET_TABLES)
@given(data=st.data())
@settings(max_examples=300, deadline=None)
def test_tables_monotone_and_continuous(key, data):
    table = TABLES.bracket_table(key)
    top = table.brackets[0].start * 2
    a = data.draw(st.integers(min_value=0, max_value=top))
    b = data.draw(st.integers(min_value=a, max_value=top))
    assert bracket_score(table, a)[0] <= bracket_score(table, b)[0]
    if a > 0:
        step = bracket_score(table, a)[0] - bracket_score(table, a - 1)[0]
        row = next(br for br in table.brackets if a >= br.start)
        if row.start == a:  # at an edge: continuity within 1 point
            lower = table.brackets[row.row]
            assert 0 <= step <= 1 + slope_ceil(row, lower)
        else:  # inside a row: floor(a/b) or ceil(a/b)
            assert row.a // row.b <= step <= slope_ceil(row)


@pytest.mark.parametrize("key", tbl.BRACKET_TABLES)
@given(data=st.data())
@settings(max_examples=100, deadline=None)
def test_edges_continuous_property(key, data):
    table = TABLES.bracket_table(key)
    upper, lower = data.draw(st.sampled_from(list(zip(table.brackets, table.brackets[1:], strict=False))))
    offset = data.draw(st.integers(min_value=-3, max_value=3))
    x = max(upper.start + offset, 1)
    assert abs(upper.score(upper.start) - lower.score(upper.start)) <= 1
    assert 0 <= bracket_score(table, x)[0] - bracket_score(table, x - 1)[0] <= 1 + slope_ceil(upper, lower)


# ---------------------------------------------------------------------------------------------- X2 / negatives


def test_negative_equity_and_profit_count_as_zero():
    r = run(base_payload(equity=-5000, ebitda=-1))
    assert (r.X21, r.X22, r.X2) == (361, 547, 454)
    assert "negative" in r.explanation["X21"]["note"]["en"]


def test_x2_is_floor_of_average():
    r = run(base_payload(equity=1000000, ebitda=70000))  # 921 and 715
    assert r.X2 == (921 + 715) // 2 == 818


# ---------------------------------------------------------------------------------------------- Z


def test_z_from_staff_counts_and_value_agree():
    p1 = base_payload()
    p1["industries"][0]["staff"] = {"g1": 1, "g2": 1, "g3": 1, "g4": 1, "g5": 1, "g6": 1}  # 21
    p2 = base_payload()
    p2["industries"][0].pop("staff")
    p2["industries"][0]["staff_value"] = 21
    r1, r2 = run(p1), run(p2)
    assert r1.industries[0].Z1 == r2.industries[0].Z1 == bracket_score(TABLES.z1, 21)[0]
    assert r1.explanation["industries"][0]["Z1"]["formula"].endswith("= 21")


def test_staff_counts_missing_grades_default_to_zero():
    p = base_payload()
    p["industries"][0]["staff"] = {"g2": 3}
    r = run(p)
    assert r.explanation["industries"][0]["Z1"]["staff_value"] == 15


# ---------------------------------------------------------------------------------------------- Y financials


def fin(**kw) -> dict:
    values = {"sales": 1200000, "interest_expense": 5000, "interest_dividend_income": 300,
              "current_liabilities": 300000, "fixed_liabilities": 100000, "gross_profit": 150000,
              "ordinary_profit": 40000, "net_assets": 422327, "fixed_assets": 200000, "total_capital": 822327,
              "retained_earnings": 350000, "operating_cf": 38500}
    values.update(kw)
    return {k: v for k, v in values.items() if v is not None}


def y_of(financials: dict):
    inp = parse_input(base_payload(y={"financials": financials}))
    return scoring.y_from_financials(inp.y.financials, TABLES)


def test_y_from_financials_hand_computed():
    y, a, exp, notes = y_of(fin(total_capital_prev=800000, operating_cf_prev=38500))
    ind = exp["indicators"]
    assert ind["x1"]["rounded"] == "0.392"      # 4700 / 1,200,000 × 100 = 0.39166…
    assert ind["x2"]["rounded"] == "4"          # 400,000 / (1,200,000 / 12)
    assert ind["x3"]["rounded"] == "18.492"     # 150,000 / 811,163.5 × 100 = 18.49195…
    assert ind["x4"]["rounded"] == "3.333"
    assert ind["x5"]["rounded"] == "211.164"    # 211.1635 → half up
    assert ind["x6"]["rounded"] == "51.358"     # uses the base-period total capital
    assert ind["x7"]["rounded"] == "0.385"
    assert ind["x8"]["rounded"] == "3.5"
    # A = -0.4650·0.392 - 0.0508·4 + 0.0264·18.492 + 0.0277·3.333 + 0.0011·211.164 + 0.0089·51.358
    #     + 0.0818·0.385 + 0.0172·3.5 + 0.1906 = 1.1666925 → 1.17; Y = 167.3·1.17 + 583 = 778.741 → 779
    assert exp["A_exact"] == "1.1666925" and a == Decimal("1.17") and y == 779
    assert "y_average_rounding" in notes  # 811,163.5 is not whole
    same_y, *_ = scoring.y_from_indicators({k: Decimal(v["rounded"]) for k, v in ind.items()}, TABLES)
    assert same_y == y


def test_y_zero_sales_gives_worst_x1_x2_x4():
    _, _, exp, _ = y_of(fin(sales=0))
    ind = exp["indicators"]
    assert (ind["x1"]["value"], ind["x2"]["value"], ind["x4"]["value"]) == ("5.1", "18", "-8.5")
    assert "sales = 0" in ind["x1"]["special_case"]["en"]
    assert "売上高 = 0" in ind["x1"]["special_case"]["ja"]


@pytest.mark.parametrize(("net_assets", "expected"), [(1000, "350"), (0, "-76.5"), (-5000, "-76.5")])
def test_y_zero_fixed_assets(net_assets, expected):
    _, _, exp, _ = y_of(fin(fixed_assets=0, net_assets=net_assets))
    assert exp["indicators"]["x5"]["value"] == expected


def test_y_zero_total_capital_and_capital_floor():
    _, _, exp, _ = y_of(fin(total_capital=0, gross_profit=3000))
    assert exp["indicators"]["x6"]["value"] == "-68.6"
    assert exp["total_capital"]["floor_applied"] is True
    assert exp["indicators"]["x3"]["rounded"] == "10"  # 3,000 / 30,000 (floor) × 100
    # a 2-period average below 30,000千円 also counts as 30,000
    _, _, exp, _ = y_of(fin(total_capital=20000, total_capital_prev=10000, gross_profit=3000))
    assert exp["total_capital"]["used"] == "30000"
    # at or above the floor the average is used
    _, _, exp, _ = y_of(fin(total_capital=40000, total_capital_prev=30000, gross_profit=3500))
    assert exp["total_capital"]["used"] == "35000" and exp["indicators"]["x3"]["rounded"] == "10"


def test_operating_cash_flow_from_parts():
    parts = fin(operating_cf=None, depreciation=20000, corporate_taxes=12000,
                allowance=1000, allowance_prev=800, receivables=250000, receivables_prev=230000,
                payables=120000, payables_prev=110000, inventories=5000, inventories_prev=7000,
                advances_received=30000, advances_received_prev=25000)
    _, _, exp, notes = y_of(parts)
    # 40000 + 20000 - 12000 + 200 - 20000 + 10000 + 2000 + 5000 = 45200
    assert exp["operating_cash_flow"]["periods"] == ["45200"]
    assert exp["indicators"]["x7"]["rounded"] == "0.452"
    assert "y_cash_flow_one_period" in notes
    two = dict(parts, ordinary_profit_prev=30000, depreciation_prev=18000, corporate_taxes_prev=9000,
               allowance_prev2=800, receivables_prev2=220000, payables_prev2=100000, inventories_prev2=7000,
               advances_received_prev2=25000)
    _, _, exp, notes = y_of(two)
    # previous: 30000 + 18000 - 9000 + 0 - 10000 + 10000 + 0 + 0 = 39000; average 42100
    assert exp["operating_cash_flow"]["periods"] == ["45200", "39000"]
    assert exp["operating_cash_flow"]["average"] == "42100"
    assert exp["indicators"]["x7"]["rounded"] == "0.421"
    assert "y_cash_flow_one_period" not in notes
    direct = fin(operating_cf=45200, operating_cf_prev=39000)
    assert y_of(direct)[0] == y_of(two)[0]


@pytest.mark.parametrize(("financials", "field"), [
    (fin(sales=None), "y.financials.sales"),
    (fin(sales=-1), "y.financials.sales"),
    (fin(operating_cf=None), "y.financials.depreciation"),
    (fin(operating_cf=None, depreciation=1, corporate_taxes=1, receivables=5), "y.financials.receivables_prev"),
    (fin(operating_cf=None, depreciation=1, corporate_taxes=1, payables_prev=5), "y.financials.payables"),
    (fin(operating_cf=None, depreciation=1, corporate_taxes=1, ordinary_profit_prev=5),
     "y.financials.depreciation_prev"),
    (fin(operating_cf=None, depreciation=1, corporate_taxes=1, ordinary_profit_prev=5, depreciation_prev=1,
         corporate_taxes_prev=1, receivables=1, receivables_prev=1), "y.financials.receivables_prev2"),
    (fin(operating_cf=None, depreciation=1, corporate_taxes=1, depreciation_prev=1),
     "y.financials.ordinary_profit_prev"),
    (fin(depreciation=1), "y.financials.depreciation"),
    (fin(operating_cf=None, operating_cf_prev=1), "y.financials.operating_cf"),
    (fin(bogus=1), "y.financials.bogus"),
])
def test_financials_errors(financials, field):
    with pytest.raises(InputError) as err:
        parse_input(base_payload(y={"financials": financials}))
    assert err.value.field == field


# ---------------------------------------------------------------------------------------------- W


def w_of(review_date="2024-03-31", total=None, **w):
    return scoring.w_score(parse_input(base_payload(review_date=review_date, w=w)).w,
                        parse_input(base_payload(review_date=review_date)).review_date, total or 0, TABLES)


def test_w_multiplier_switch_on_2023_08_14():
    # raw total 138 → 1,207 after the change (keishin-cloud's real notice), 1,311 before it
    w = dict(all_w(False), employment_insurance=True, health_insurance=True, pension_insurance=True,
             construction_retirement_mutual_aid=True, disaster_agreement=True, years_in_business=35,
             audit="self", machines=6, iso9001=True, ccus="public", young_staff_continuous=True)
    # 15 + 1 + 10 + 60 + 20 + 2 + 10 + 5 = 123; add skills 10 and wlb 5 → 138
    w.update(skills_points=10, wlb="platinum_kurumin")
    after = w_of("2023-08-14", **w)
    before = w_of("2023-08-13", **w)
    assert after[1] == before[1] == 138
    assert after[0] == 1207   # 138 × 1750 / 200 = 1207.5, truncated
    assert before[0] == 1311  # 138 × 1900 / 200 = 1311
    assert after[2]["multiplier"] == {"numerator": 1750, "denominator": 200, "applies": "from 2023-08-14"}
    assert before[2]["multiplier"]["numerator"] == 1900
    assert "w_earlier_rules" in before[3] and "w_earlier_rules" not in after[3]
    assert "w_rounding" in after[3] and "w_rounding" not in before[3]


def test_w_switch_through_calculate():
    r_after = run(base_payload(review_date="2023-08-14"))
    r_before = run(base_payload(review_date="2023-08-13"))
    assert r_after.W_total == r_before.W_total
    assert r_after.W_total * 1750 // 200 == r_after.W
    assert r_before.W_total * 1900 // 200 == r_before.W


def test_w_maximum_and_minimum():
    best = dict(all_w(True), rehabilitation=False, suspension_order=False, instruction_order=False,
                skills_points=10, wlb="platinum_eruboshi", ccus="all", years_in_business=40, audit="auditor",
                accountants_value=100, rnd_expense=10**10, machines=20)
    w, total, _, _ = w_of(total=10**9, **best)
    assert total == 237 and w == 2073  # 2,073.75 truncated
    worst = dict(all_w(False), rehabilitation=True, suspension_order=True, instruction_order=True)
    w, total, _, notes = w_of(**worst)
    assert total == -210 and w == -1837  # −1,837.5 truncated toward zero
    assert {"w_negative_rounding", "w_both_orders"} <= set(notes)


@pytest.mark.parametrize(("years", "points"), [(0, 0), (5, 0), (6, 2), (20, 30), (34, 58), (35, 60), (99, 60)])
def test_w_years(years, points):
    _, _, exp, _ = w_of(years_in_business=years)
    assert next(i for i in exp["items"] if i["field"] == "years_in_business")["points"] == points


def test_w_details():
    def item(exp, name):
        return next(i for i in exp["items"] if i["field"] == name)["points"]

    _, _, exp, _ = w_of(iso14001=True, eco_action21=True)
    assert item(exp, "iso14001") + item(exp, "eco_action21") == 5
    _, _, exp, _ = w_of(eco_action21=True)
    assert item(exp, "eco_action21") == 3
    _, _, exp, _ = w_of(rnd_expense=10**7, audit="self")
    assert item(exp, "rnd_expense") == 0
    _, _, exp, _ = w_of(rnd_expense=10**7, audit="auditor")
    assert item(exp, "rnd_expense") == 25
    _, _, exp, _ = w_of(rnd_expense=49999, audit="auditor")
    assert item(exp, "rnd_expense") == 0
    _, _, exp, _ = w_of(rnd_expense=50000, audit="auditor")
    assert item(exp, "rnd_expense") == 1
    for machines, pts in [(0, 0), (1, 5), (8, 12), (9, 12), (14, 15), (15, 15), (300, 15)]:
        _, _, exp, _ = w_of(machines=machines)
        assert item(exp, "machines") == pts
    _, _, exp, _ = w_of(wlb="youth_yell")
    assert item(exp, "wlb") == 4
    _, _, exp, _ = w_of(instruction_order=True)
    assert item(exp, "instruction_order") == -15
    _, total, exp, _ = w_of()
    assert item(exp, "employment_insurance") == -40  # defaults: not joined


@pytest.mark.parametrize(("value", "total", "points"), [
    (Decimal("0.4"), 500000, 6), (Decimal(1), 500000, 8), (Decimal("1.2"), 500000, 10),  # keishin-up (1億–10億)
    (Decimal("1.2"), 1010000, 6),  # keishin-cloud real data, ≈10.1億
    (Decimal("0.4"), 99999, 10), (Decimal("0.39"), 99999, 0), (Decimal("13.6"), 60000000, 10),
    (Decimal("2.7"), 60000000, 0), (Decimal("4.8"), 15000000, 6),
])
def test_w5_accountants_table(value, total, points):
    assert scoring.accountants_points(value, total, TABLES)[0] == points


def test_w_defaults_listed():
    r = run(base_payload(w=None))
    assert set(r.explanation["W"]["defaulted_fields"]) == set(fields.W_FIELDS)
    assert r.W_total == -120  # three social insurances not joined


# ---------------------------------------------------------------------------------------------- calculate / result


def test_result_shape_and_json():
    r = run(base_payload())
    d = result_to_dict(r)
    text = json.dumps(d, ensure_ascii=False)
    assert json.loads(text) == d
    for key in ("X21", "X22", "X2", "Y", "W", "W_total"):
        assert type(d[key]) is int
    assert d["A"] == str(r.A) == "1.17"
    with_trailing_zero = run(base_payload(y={"indicators": {**base_payload()["y"]["indicators"], "x8": -0.4}}))
    assert result_to_dict(with_trailing_zero)["A"] == "1.10"  # 1.0996 → 1.10
    ind = d["industries"][0]
    assert set(ind) >= {"name", "X1", "Z1", "Z2", "Z", "P"}
    assert all(type(ind[k]) is int for k in ("X1", "Z1", "Z2", "Z", "P"))
    # explanation: bracket data for every table score, formula for the rest
    e = d["explanation"]
    for part in (e["X21"], e["X22"], e["industries"][0]["X1"], e["industries"][0]["Z1"], e["industries"][0]["Z2"]):
        assert {"from", "to", "a", "b", "c", "formula"} <= set(part["bracket"])
    assert "formula" in e["X2"] and "formula" in e["Y"] and "formula" in e["W"]
    assert e["industries"][0]["P"]["formula"].endswith("(half up)")
    assert e["best_improvements"] == d["best_improvements"]
    # expected values for this payload
    assert (r.X21, r.X22, r.X2, r.Y) == (832, 731, 781, 779)
    assert (r.industries[0].X1, r.industries[0].Z1, r.industries[0].Z2, r.industries[0].Z) == (1004, 973, 1090, 996)
    assert r.W_total == 83 and r.W == 726
    assert r.industries[0].P == 882  # 881.85 half up


def test_unconfirmed_flags_only_when_they_matter():
    r = run(base_payload())
    ids = {n["id"] for n in r.unconfirmed}
    assert {"p_rounding", "w_rounding", "w_accountants_total"} <= ids
    assert "average_rounding" not in ids and "w_skills" not in ids
    p = base_payload()
    p["industries"][1]["completed_works"] = 120000.5
    ids = {n["id"] for n in run(p).unconfirmed}
    assert "average_rounding" in ids
    assert all({"id", "level", "en", "ja"} <= set(n) for n in run(p).unconfirmed)


def test_fraction_amounts_rounded_half_up():
    p = base_payload()
    p["industries"][0]["completed_works"] = 10999.5
    p["industries"][0]["prime_completed_works"] = 100
    assert run(p).explanation["industries"][0]["X1"]["used_amount"] == 11000


def test_thirty_industries():
    p = base_payload()
    p["industries"] = [{"name": f"業種{i}", "completed_works": 1000 * i, "prime_completed_works": 500 * i,
                        "staff_value": i} for i in range(30)]
    r = run(p)
    assert len(r.industries) == 30


# ---------------------------------------------------------------------------------------------- improvements


def apply_change(payload: dict, change: dict) -> dict:
    out = copy.deepcopy(payload)
    for path, value in change.items():
        parts = re.findall(r"[a-z0-9_]+|\[\d+\]", path)
        target = out
        for part in parts[:-1]:
            target = target[int(part[1:-1])] if part.startswith("[") else target.setdefault(part, {})
        last = parts[-1]
        if isinstance(value, str) and re.fullmatch(r"[+-]\d+", value):
            target[last] = target.get(last, 0) + int(value)
        elif isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value):
            target[last] = float(value)
        else:
            target[last] = value
    return out


def test_best_improvements_really_increase_p():
    payload = base_payload()
    base = run(payload)
    suggestions = base.best_improvements
    assert suggestions
    gains = [s["gain"]["P_max"] for s in suggestions]
    assert gains == sorted(gains, reverse=True)
    for s in suggestions:
        assert s["gain"]["P_max"] > 0
        assert s["text"]["en"] and s["text"]["ja"]
        after = run(apply_change(payload, s["change"]), improvements=False)
        for before_ind, after_ind in zip(base.industries, after.industries, strict=True):
            assert s["gain"]["P"][before_ind.name] == after_ind.P - before_ind.P, s["id"]
    # the disaster agreement is worth 20 × 8.75 = 175 W points, +26.25 P points
    top = suggestions[0]
    assert top["id"] == "w.disaster_agreement" and top["gain"]["W"] == 175


def test_improvement_one_more_first_grade_engineer():
    payload = base_payload()
    payload["industries"] = payload["industries"][:1]
    r = run(payload)
    s = next(s for s in r.best_improvements if s["id"] == "industries[0].g2+1")
    after = run(apply_change(payload, s["change"]), improvements=False)
    assert after.industries[0].Z - r.industries[0].Z == s["gain"]["Z"]["土木一式"] > 0
    assert "土木一式" in s["text"]["en"] and "1級技術者" in s["text"]["ja"]


def test_improvements_skip_what_is_already_done():
    w = dict(all_w(True), rehabilitation=False, suspension_order=False, instruction_order=False,
             skills_points=10, wlb="platinum_kurumin", ccus="all", audit="auditor", machines=15,
             accountants_value=100)
    r = run(base_payload(w=w))
    ids = {s["id"] for s in r.best_improvements}
    assert not any(i.startswith("w.") for i in ids)


def test_calculate_without_improvements():
    r = run(base_payload(), improvements=False)
    assert r.best_improvements == [] and "best_improvements" not in r.explanation


# ---------------------------------------------------------------------------------------------- input errors


def error_field(payload) -> str:
    with pytest.raises(InputError) as err:
        parse_input(payload)
    assert err.value.message and err.value.message_ja
    return err.value.field


def without(payload: dict, key: str) -> dict:
    payload = dict(payload)
    payload.pop(key)
    return payload


@pytest.mark.parametrize("key", ["review_date", "industries", "equity", "ebitda", "y"])
def test_required_top_level(key):
    assert error_field(without(base_payload(), key)) == key


def set_in(path: str, value) -> dict:
    """base_payload() with the value at ``path`` replaced (or added) as is."""
    payload = base_payload()
    parts = re.findall(r"[a-z0-9_]+|\[\d+\]", path)
    target = payload
    for part in parts[:-1]:
        target = target[int(part[1:-1])] if part.startswith("[") else target[part]
    target[parts[-1]] = value
    return payload


@pytest.mark.parametrize(("path", "value"), [
    ("industries[0].completed_works", "1000"),          # wrong type
    ("industries[0].completed_works", -1),              # negative
    ("industries[0].completed_works", float("nan")),
    ("industries[0].completed_works", float("inf")),
    ("industries[0].completed_works", True),            # bool as number
    ("industries[0].completed_works", 10**12 + 1),      # absurd
    ("industries[1].prime_completed_works", 130000),    # larger than completed works
    ("industries[0].staff.g2", 100001),                 # absurd count
    ("industries[0].staff.g2", 1.5),                    # not whole
    ("industries[0].staff.g7", 1),                      # unknown grade
    ("industries[1].staff_value", -3),
    ("industries[0].name", ""),
    ("industries[1].name", "土木一式"),                  # duplicate
    ("equity", float("-inf")),
    ("equity", -(10**12) - 1),
    ("ebitda", None),
    ("y.indicators.x3", "12"),
    ("y.indicators.x3", None),
    ("w.wlb", "tryKurumin"),                            # unknown enum value
    ("w.ccus", "some"),
    ("w.audit", 1),
    ("w.iso9001", 1),                                   # number as bool
    ("w.skills_points", 11),
    ("w.years_in_business", -1),
    ("w.machines", False),
    ("w.unknown_item", True),
    ("review_date", "2023-02-29"),
    ("review_date", "2023-2-1"),
    ("review_date", "2010-03-31"),
    ("review_date", 20240331),
])
def test_input_errors_name_the_field(path, value):
    assert error_field(set_in(path, value)) == path


def test_more_input_errors():
    assert error_field([]) == "payload"
    assert error_field({**base_payload(), "extra": 1}) == "extra"
    assert error_field(base_payload(industries=[])) == "industries"
    assert error_field(base_payload(industries={"name": "x"})) == "industries"
    many = [{"name": f"n{i}", "completed_works": 1, "prime_completed_works": 1, "staff_value": 1} for i in range(31)]
    assert error_field(base_payload(industries=many)) == "industries"
    p = base_payload()
    p["industries"][0]["staff_value"] = 3
    assert error_field(p) == "industries[0].staff_value"   # both staff and staff_value
    p = base_payload()
    del p["industries"][1]["staff_value"]
    assert error_field(p) == "industries[1].staff_value"   # neither
    assert error_field(base_payload(y={"indicators": {"x1": 1}})) == "y.indicators.x2"
    assert error_field(base_payload(y={})) == "y.indicators"
    assert error_field(base_payload(y={"indicators": {f"x{i}": 0 for i in range(1, 9)},
                                       "financials": fin()})) == "y.indicators"
    assert error_field(base_payload(w=[1])) == "w"


def test_input_error_to_dict():
    with pytest.raises(InputError) as err:
        parse_input(set_in("industries[0].completed_works", -1))
    assert err.value.to_dict() == {"field": "industries[0].completed_works", "message": "must not be negative",
                                   "message_ja": "マイナスの値は入力できません"}
    assert str(err.value) == "industries[0].completed_works: must not be negative"


# ---------------------------------------------------------------------------------------------- load_tables errors


@pytest.fixture()
def tables_copy(tmp_path):
    target = tmp_path / "keishin"
    shutil.copytree(tbl.DEFAULT_TABLES_DIR, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("file", "old", "new", "field"), [
    ("x1.yaml", "{from: 10000, a: 11, b: 2000, c: 473}", "{from: 10000, a: 11, b: 0, c: 473}", "brackets[40].b"),
    ("x1.yaml", "{from: 10000, a: 11, b: 2000, c: 473}", "{from: 10000, a: 11, b: 2000, c: 437}",
     "brackets[39] / brackets[40]"),
    ("x1.yaml", "{from: 10000, a: 11, b: 2000, c: 473}", "{from: 10000, a: eleven, b: 2000, c: 473}",
     "brackets[40].a"),
    ("x21.yaml", "{from: 0, a: 223, b: 10000, c: 361}", "{from: 5, a: 223, b: 10000, c: 361}", "brackets[46].from"),
    ("z2.yaml", "effective_from: 2011-04-01", "effective_from: someday", "effective_from"),
    ("z1.yaml", "name: Z1 技術職員数値\n", "", "name"),
    ("p.yaml", 'X1: "0.25"', "X1: 0.25", "weights.X1"),
    ("p.yaml", 'X1: "0.25"', 'X1: "0.26"', "weights"),
    ("w.yaml", '{until: "2023-08-13"', '{until: "2023-08-12"', "multipliers"),
    ("w.yaml", "  youth_yell: 4\n", "", "wlb"),
    ("w.yaml", "rounding: truncate", "rounding: sometimes", "rounding"),
    ("y.yaml", 'coefficient: "-0.4650"', "coefficient: -0.4650", "indicators.x1.coefficient"),
    ("y.yaml", "  - id: y_cash_flow_one_period", "  - id: renamed", "unconfirmed"),
])
def test_load_tables_errors_name_file_and_field(tables_copy, file, old, new, field):
    edit(tables_copy / file, old, new)
    with pytest.raises(TablesError) as err:
        tbl.load_tables(tables_copy)
    assert err.value.field == field
    assert err.value.file.endswith(file) or field == "unconfirmed"


def test_load_tables_missing_file_and_bad_yaml(tables_copy):
    (tables_copy / "z2.yaml").unlink()
    with pytest.raises(TablesError, match="z2.yaml: \\(file\\): file not found"):
        tbl.load_tables(tables_copy)
    shutil.copy(tbl.DEFAULT_TABLES_DIR / "z2.yaml", tables_copy / "z2.yaml")
    edit(tables_copy / "w.yaml", "ccus: {none: 0, public: 10, all: 15}", "ccus: {none: 0, public: 10, all: 15")
    with pytest.raises(TablesError, match="YAML syntax error"):
        tbl.load_tables(tables_copy)


def test_revised_table_is_used(tables_copy):
    edit(tables_copy / "w.yaml", "disaster_agreement: 20 ", "disaster_agreement: 30 ")
    revised = tbl.load_tables(tables_copy)
    w = {"disaster_agreement": True,
         **dict.fromkeys(("employment_insurance", "health_insurance", "pension_insurance"), True)}
    assert run(base_payload(w=w), tables=revised).W_total == 30
    assert run(base_payload(w=w)).W_total == 20


# ---------------------------------------------------------------------------------------------- properties

amounts = st.one_of(st.integers(min_value=0, max_value=10**12),
                    st.integers(min_value=0, max_value=10**7),
                    st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False))
signed = st.one_of(st.integers(min_value=-(10**12), max_value=10**12),
                   st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False))
small = st.integers(min_value=0, max_value=200)


@st.composite
def industries(draw):
    n = draw(st.integers(min_value=1, max_value=3))
    out = []
    for i in range(n):
        completed = draw(amounts)
        if isinstance(completed, int):
            prime = draw(st.one_of(st.just(completed), st.integers(min_value=0, max_value=completed)))
        else:
            prime = draw(st.one_of(st.just(completed), st.floats(min_value=0, max_value=completed)))
        item = {"name": f"業種{i}", "completed_works": completed, "prime_completed_works": prime}
        if draw(st.booleans()):
            item["staff_value"] = draw(st.integers(min_value=0, max_value=20000))
        else:
            item["staff"] = draw(st.dictionaries(st.sampled_from(fields.STAFF_GRADES), small))
        out.append(item)
    return out


indicator_values = st.one_of(st.integers(min_value=-1000, max_value=1000),
                             st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False))


@st.composite
def financials(draw):
    nonneg = st.integers(min_value=0, max_value=10**9)
    anyv = st.integers(min_value=-(10**9), max_value=10**9)
    f = {k: draw(nonneg if fields.FINANCIALS_FIELDS[k][0] == "nonnegative" else anyv) for k in fields.FIN_REQUIRED}
    f["sales"] = draw(st.sampled_from([0, f["sales"]]))
    f["fixed_assets"] = draw(st.sampled_from([0, f["fixed_assets"]]))
    f["total_capital"] = draw(st.sampled_from([0, f["total_capital"]]))
    if draw(st.booleans()):
        f["total_capital_prev"] = draw(nonneg)
    if draw(st.booleans()):
        f["operating_cf"] = draw(anyv)
        if draw(st.booleans()):
            f["operating_cf_prev"] = draw(anyv)
    else:
        f["depreciation"] = draw(nonneg)
        f["corporate_taxes"] = draw(anyv)
        two = draw(st.booleans())
        if two:
            f.update(ordinary_profit_prev=draw(anyv), depreciation_prev=draw(nonneg), corporate_taxes_prev=draw(anyv))
        for b in draw(st.sets(st.sampled_from(fields.BALANCES))):
            for suffix in ("", "_prev") + (("_prev2",) if two else ()):
                f[b + suffix] = draw(nonneg)
    return f


@st.composite
def w_inputs(draw):
    w = {}
    for key, (kind, *_rest) in fields.W_FIELDS.items():
        if not draw(st.booleans()):
            continue
        if kind == "bool":
            w[key] = draw(st.booleans())
        elif kind == "int":
            w[key] = draw(st.integers(min_value=0, max_value=10 if key == "skills_points" else 60))
        elif kind == "number":
            top = 100 if key == "accountants_value" else 10**11
            w[key] = draw(st.one_of(st.integers(min_value=0, max_value=top),
                                    st.floats(min_value=0, max_value=30, allow_nan=False)))
        else:
            w[key] = draw(st.sampled_from(list({"wlb": fields.WLB_VALUES, "ccus": fields.CCUS_VALUES,
                                                "audit": fields.AUDIT_VALUES}[kind])))
    return w


@st.composite
def valid_payloads(draw):
    payload = {
        "review_date": draw(st.dates(min_value=fields.MIN_REVIEW_DATE, max_value=fields.MAX_REVIEW_DATE)).isoformat(),
        "industries": draw(industries()),
        "equity": draw(signed),
        "ebitda": draw(signed),
        "y": ({"indicators": {k: draw(indicator_values) for k in fields.INDICATOR_KEYS}} if draw(st.booleans())
              else {"financials": draw(financials())}),
    }
    if draw(st.booleans()):
        payload["w"] = draw(w_inputs())
    return payload


@SLOW
@given(valid_payloads())
def test_calculate_never_raises_and_stays_in_bounds(payload):
    result = calculate(parse_input(payload))
    lo, hi = TABLES.p.bounds
    ranges = TABLES.p.component_ranges
    assert 0 <= result.Y <= 1595
    assert ranges["X2"][0] <= result.X2 <= ranges["X2"][1]
    assert -1837 <= result.W <= 2073
    for ind in result.industries:
        assert lo <= ind.P <= hi
        assert ranges["X1"][0] <= ind.X1 <= ranges["X1"][1]
        assert ranges["Z"][0] <= ind.Z <= ranges["Z"][1]
        assert ranges["Z1"][0] <= ind.Z1 <= ranges["Z1"][1]
    for s in result.best_improvements:
        assert s["gain"]["P_max"] > 0
    json.dumps(result_to_dict(result))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(fields.INDICATOR_KEYS), indicator_values, min_size=8, max_size=8))
def test_y_always_within_0_1595(indicators):
    y, a, exp = scoring.y_from_indicators(indicators, TABLES)
    assert 0 <= y <= 1595
    assert Decimal(exp["A"]) == a


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=397, max_value=2309), st.integers(min_value=454, max_value=2280),
       st.integers(min_value=0, max_value=1595), st.integers(min_value=456, max_value=2441),
       st.integers(min_value=-1837, max_value=2073))
def test_p_within_documented_bounds(x1, x2, y, z, w):
    p, exact = scoring.p_score(x1, x2, y, z, w, TABLES)
    assert TABLES.p.bounds[0] <= p <= TABLES.p.bounds[1]
    assert abs(Fraction(exact) - p) <= Fraction(1, 2)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_parse_input_only_raises_input_error_for_arbitrary_json(value):
    try:
        parse_input(value)
    except InputError as err:
        assert isinstance(err.field, str) and err.field and err.message


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


@SLOW
@given(valid_payloads(), st.data())
def test_parse_input_only_raises_input_error_for_mutated_payloads(payload, data):
    paths = [p for p in _paths(payload) if p]
    path = data.draw(st.sampled_from(paths))
    target = payload
    for part in path[:-1]:
        target = target[part]
    if data.draw(st.booleans()) and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = data.draw(json_values)
    try:
        inp = parse_input(payload)
    except InputError as err:
        assert err.field
    else:
        calculate(inp, improvements=False)


# ---------------------------------------------------------------------------------------------- every problem at once


def all_errors(payload) -> list[str]:
    with pytest.raises(inputs.InputErrors) as err:
        parse_input(payload)
    assert err.value.field == err.value.errors[0].field          # the first problem is also the error's own
    return [e.field for e in err.value.errors]


def test_every_problem_is_listed_in_payload_order():
    p = base_payload(review_date="2024-02-30", equity="a lot")
    p["industries"][0].update(completed_works=-1, staff={"g1": 1.5, "g9": 1})
    p["industries"][1]["name"] = "土木一式"
    p["y"]["indicators"].pop("x4")
    p["w"].update(audit="big four", machines=True)
    assert all_errors(p) == ["review_date", "industries[0].completed_works", "industries[0].staff.g9",
                             "industries[0].staff.g1", "industries[1].name", "equity", "y.indicators.x4", "w.audit",
                             "w.machines"]


def test_every_missing_statement_figure_is_listed():
    fields_missing = all_errors(base_payload(y={"financials": {"sales": 1000, "gross_profit": "x",
                                                               "allowance": 5}}))
    assert fields_missing[0] == "y.financials.gross_profit"
    required = [f"y.financials.{k}" for k in fields.FIN_REQUIRED if k not in ("sales", "gross_profit")]
    assert fields_missing[1:] == [*required, "y.financials.depreciation", "y.financials.corporate_taxes",
                                  "y.financials.allowance_prev"]


def test_a_value_that_fails_is_not_also_reported_as_missing_or_inconsistent():
    p = base_payload()
    p["industries"][1].update(completed_works="many")       # prime ≤ completed cannot be checked: not a second error
    assert all_errors(p) == ["industries[1].completed_works"]


# ---------------------------------------------------------------------------------------------- the 29 trades


def test_trades_file_lists_the_29_trades_with_an_official_source():
    t = trades.default_trades()
    assert len(t.trades) == 29 and len({x.code for x in t.trades}) == 29
    assert [x.code for x in t.trades] == [f"{n:03d}" for n in range(10, 300, 10)]
    assert all(x.ja.endswith("工事") and x.en for x in t.trades)
    assert any(s["url"].startswith("https://www.mlit.go.jp/") for s in t.source)


@pytest.mark.parametrize("name", ["舗装", "舗装工事", "ほ装", "Paving", "paving", "130", "１３０", "舗装工事業"])
def test_a_trade_is_found_by_any_of_its_names_or_its_code(name):
    assert trades.default_trades().resolve(name).code == "130"


def test_result_names_the_trade_in_both_languages():
    p = base_payload()
    p["industries"][1]["name"] = "130"
    r = result_to_dict(run(p))
    assert r["industries"][0]["trade"] == {"code": "010", "ja": "土木一式工事", "en": "General civil engineering"}
    assert r["industries"][1]["name"] == "130"
    assert r["industries"][1]["trade"] == {"code": "130", "ja": "舗装工事", "en": "Paving"}
    text = next(s["text"] for s in r["best_improvements"] if s["industry"] == "130")
    assert text["en"].startswith("Paving (130 舗装工事): ") and text["ja"].startswith("舗装工事: ")
    p["industries"][1]["name"] = "Pavement of my own"          # any other name still works, without a trade
    assert result_to_dict(run(p, improvements=False))["industries"][1]["trade"] is None


def test_two_names_of_one_trade_are_a_duplicate():
    p = base_payload()
    p["industries"][1]["name"] = "General civil engineering"
    with pytest.raises(InputError) as err:
        parse_input(p)
    assert err.value.field == "industries[1].name" and "010" in err.value.message


def test_trades_file_errors_name_the_field(tmp_path):
    target = tmp_path / "trades.yaml"
    text = (tbl.DEFAULT_TABLES_DIR / "trades.yaml").read_text(encoding="utf-8")
    target.write_text(text.replace('code: "130"', 'code: "010"'), encoding="utf-8")
    with pytest.raises(TablesError) as err:
        trades.load_trades(target)
    assert err.value.field == "trades[12]" and "010" in err.value.message
    target.write_text(text.replace('  - {code: "290", ja: 解体工事, en: Demolition}\n', ""), encoding="utf-8")
    with pytest.raises(TablesError, match="29 trades"):
        trades.load_trades(target)


def test_every_indicator_and_staff_grade_is_named_and_explained():
    for ind in TABLES.y.indicators.values():
        assert ind.en and ind.ja and ind.about["en"] and ind.about["ja"]
    assert set(TABLES.staff_grades) == set(fields.STAFF_GRADES)
    for grade in TABLES.staff_grades.values():
        assert grade["en"] and grade["ja"] and grade["about"]["en"] and grade["about"]["ja"]


# ------------------------------------------------------------------------------------ each part against its maximum


def test_maxima_are_computed_from_the_tables():
    top = explanation.maxima(TABLES, fields.MAX_REVIEW_DATE, 300000)
    ranges = TABLES.p.component_ranges                     # the published maxima in p.yaml agree
    assert {k: top[k] for k in ranges} == {k: hi for k, (_lo, hi) in ranges.items()}
    assert top["W"] == 237 * 1750 // 200 == 2073            # every W item at its best, × 1,750/200, truncated
    assert top["P"] == 2159                                 # p.yaml: "with W truncated the arithmetic maximum is 2,159"
    before = explanation.maxima(TABLES, fields.MIN_REVIEW_DATE, 300000)
    assert before["W"] == 237 * 1900 // 200                 # the earlier multiplier
    # nothing beats the maxima: the best answers really give them
    best = base_payload(w={k: getattr(explanation.best_w_input(TABLES, "auditor"), k) for k in fields.W_FIELDS})
    best["industries"] = [{"name": "x", "completed_works": 10**12, "prime_completed_works": 10**12,
                           "staff_value": 600000}]
    best.update(equity=10**12, ebitda=10**12,
                y={"indicators": {k: float(i.best) for k, i in TABLES.y.indicators.items()}})
    best["w"] = {k: int(v) if isinstance(v, Decimal) else v for k, v in best["w"].items()}
    r = run(best, improvements=False)
    got = {"X1": r.industries[0].X1, "X2": r.X2, "Y": r.Y, "Z": r.industries[0].Z, "W": r.W, "P": r.industries[0].P}
    assert got == {k: top[k] for k in got}


def test_parts_put_the_biggest_room_first():
    r = result_to_dict(run(base_payload()))
    assert r["maxima"]["P"] == 2159
    for ind, scores in zip(r["explanation"]["industries"], r["industries"], strict=True):
        parts = ind["parts"]
        assert {p["component"] for p in parts} == {"X1", "X2", "Y", "Z", "W"}
        rooms = [Decimal(p["room"]) for p in parts]
        assert rooms == sorted(rooms, reverse=True)
        z = next(p for p in parts if p["component"] == "Z")
        assert z["score"] == scores["Z"] and z["max"] == 2441
        assert Decimal(z["points"]) == Decimal("0.25") * scores["Z"]
        assert Decimal(z["room"]) == Decimal(z["max_points"]) - Decimal(z["points"])
