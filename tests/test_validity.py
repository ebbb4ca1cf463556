"""Keishin validity planner: published examples, month-ends, leap days, properties, input errors."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.keishin.inputs import InputError
from helpdesk.keishin.validity import (
    MAX_DATE,
    MIN_DATE,
    parse_validity_input,
    period_end,
    plan_validity,
    shift_months,
)

D = dt.date.fromisoformat


@pytest.mark.parametrize(("base", "expiry"), [
    ("2022-03-31", "2023-10-31"),  # kensetsukyoka-osaka.jp
    ("2022-12-31", "2024-07-31"),  # kensetsukyoka-osaka.jp
    ("2015-03-31", "2016-10-31"),  # aichikeishin.com (H27.3.31 → H28.10.31)
    ("2016-03-31", "2017-10-31"),  # kensetsupro.com (H28.3.31 → H29.10.31)
    ("2024-08-31", "2026-03-31"),  # month-end into a 31-day month
    ("2024-09-30", "2026-04-30"),
    ("2024-07-31", "2026-02-28"),  # month-end into February
    ("2025-07-31", "2027-02-28"),
    ("2026-07-31", "2028-02-29"),  # into a leap February
    ("2024-02-29", "2025-09-30"),  # leap day is a month-end
    ("2023-02-28", "2024-09-30"),  # so is 28 February in a common year
    ("2024-06-15", "2026-01-15"),  # not a month-end: same day number (our reading)
    ("2024-07-30", "2026-02-28"),  # no 30 February: end of month
    ("2026-07-29", "2028-02-29"),
])
def test_expiry(base, expiry):
    assert plan_validity(D(base))["expiry"] == expiry


def test_march_year_end_plan():
    plan = plan_validity(D("2024-03-31"))
    assert plan["expiry"] == "2025-10-31"
    assert plan["next_standard_screening_day"] == "2025-03-31"
    assert plan["annual_report_due"] == "2025-07-31"  # 4 months after the next year-end
    assert plan["apply_by"] == "2025-07-31"  # expiry minus 3 months
    assert plan["validity"] == {"years": 1, "months": 7, "days": 579}
    assert plan["assumptions"] == {"in_house_months": 4, "processing_months": 3}
    assert len(plan["steps"]) == 5
    for step in plan["steps"]:
        assert step["en"] and step["ja"]
    assert "2025-10-31" in plan["steps"][0]["en"] and "2025-10-31" in plan["steps"][0]["ja"]
    assert "2025-07-31" in plan["steps"][3]["en"] and "2025-07-31" in plan["steps"][3]["ja"]
    ids = [n["id"] for n in plan["unconfirmed"]]
    assert ids == ["validity_processing_time"]  # month-end: the published examples cover it
    assert all(s["url"].startswith("https://") for s in plan["sources"])


def test_non_month_end_is_flagged():
    plan = plan_validity(D("2024-06-15"))
    assert [n["id"] for n in plan["unconfirmed"]] == ["validity_day_arithmetic", "validity_processing_time"]
    assert plan["next_standard_screening_day"] == "2025-06-15"
    assert plan["apply_by"] == "2025-10-15"


@pytest.mark.parametrize(("base", "next_day"), [
    ("2024-02-29", "2025-02-28"), ("2023-02-28", "2024-02-29"), ("2024-12-31", "2025-12-31"),
])
def test_next_screening_day_keeps_month_end(base, next_day):
    assert plan_validity(D(base))["next_standard_screening_day"] == next_day


def test_status_with_today():
    # The old `status` object (valid, days_until_expiry, apply_by_passed) became `status` (a word) and
    # `days_left` (issue 14); days_until_apply_by stays.
    plan = plan_validity(D("2024-03-31"), today=D("2025-08-01"))
    assert {k: plan[k] for k in ("today", "status", "days_left", "days_until_apply_by", "renew_from")} == {
        "today": "2025-08-01", "status": "renew_soon", "days_left": 91, "days_until_apply_by": -1,
        "renew_from": "2025-03-31"}
    assert "status" not in plan_validity(D("2024-03-31"))


@pytest.mark.parametrize(("today", "status", "days_left"), [
    ("2024-03-31", "valid", 579),         # the screening day itself
    ("2025-03-30", "valid", 215),         # the day before the warning starts
    ("2025-03-31", "renew_soon", 214),    # 4 months before the apply-by date (= the next year-end)
    ("2025-07-31", "renew_soon", 92),     # the apply-by date
    ("2025-10-31", "renew_soon", 0),      # the last valid day
    ("2025-11-01", "expired", -1),
    ("2027-01-01", "expired", -427),
])
def test_status_boundaries(today, status, days_left):
    plan = plan_validity(D("2024-03-31"), today=D(today))
    assert (plan["status"], plan["days_left"]) == (status, days_left)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=MIN_DATE, max_value=MAX_DATE - dt.timedelta(days=800)),
       st.integers(min_value=-100, max_value=900))
def test_status_properties(base, offset):
    today = base + dt.timedelta(days=offset)
    plan = plan_validity(base, today=today)
    expiry, apply_by = D(plan["expiry"]), D(plan["apply_by"])
    assert plan["days_left"] == (expiry - today).days
    assert (plan["status"] == "expired") == (today > expiry) == (plan["days_left"] < 0)
    renew_from = D(plan["renew_from"])
    assert renew_from == shift_months(apply_by, -4)
    assert abs((renew_from - D(plan["next_standard_screening_day"])).days) <= 3   # about the next year-end
    assert (plan["status"] == "renew_soon") == (renew_from <= today <= expiry)


def test_japan_today():
    from helpdesk.keishin.validity import japan_today

    assert japan_today(dt.datetime(2026, 3, 31, 14, 59, tzinfo=dt.UTC)) == D("2026-03-31")
    assert japan_today(dt.datetime(2026, 3, 31, 15, 0, tzinfo=dt.UTC)) == D("2026-04-01")   # midnight in Tokyo


def test_period_end_and_shift_helpers():
    assert period_end(D("2025-03-31"), 4) == D("2025-07-31")
    assert period_end(D("2025-01-30"), 1) == D("2025-02-28")
    assert shift_months(D("2025-10-31"), -3) == D("2025-07-31")
    assert shift_months(D("2024-01-31"), 1) == D("2024-02-29")
    assert shift_months(D("2024-01-30"), 1) == D("2024-02-29")
    assert shift_months(D("2024-01-15"), -13) == D("2022-12-15")


@settings(max_examples=500, deadline=None)
@given(st.dates(min_value=MIN_DATE, max_value=MAX_DATE - dt.timedelta(days=800)))
def test_plan_properties(base):
    plan = plan_validity(base)
    expiry = D(plan["expiry"])
    next_day = D(plan["next_standard_screening_day"])
    apply_by = D(plan["apply_by"])
    # the Civil Code reading equals "same day number 1y7m later, month-end stays month-end"
    assert expiry == shift_months(base, 19)
    assert 575 <= (expiry - base).days <= 581
    assert base < next_day < apply_by < expiry
    assert 3 * 28 <= (expiry - apply_by).days <= 3 * 31
    # apply_by lies about 4 months after the next year-end (the annual report deadline)
    assert abs((apply_by - D(plan["annual_report_due"])).days) <= 3
    # month-ends stay month-ends
    if (base + dt.timedelta(days=1)).day == 1:
        assert (expiry + dt.timedelta(days=1)).day == 1
        assert (next_day + dt.timedelta(days=1)).day == 1


def test_parse_validity_input():
    assert parse_validity_input({"standard_screening_day": "2024-03-31"}) == {
        "standard_screening_day": D("2024-03-31"), "today": None}
    assert parse_validity_input({"standard_screening_day": "2024-03-31", "today": "2025-01-01"})["today"] == \
        D("2025-01-01")


@pytest.mark.parametrize(("payload", "field"), [
    ({}, "standard_screening_day"),
    ({"standard_screening_day": None}, "standard_screening_day"),
    ({"standard_screening_day": "2023-02-29"}, "standard_screening_day"),
    ({"standard_screening_day": "2024-13-01"}, "standard_screening_day"),
    ({"standard_screening_day": "31/03/2024"}, "standard_screening_day"),
    ({"standard_screening_day": "2024-03-31T00:00:00"}, "standard_screening_day"),
    ({"standard_screening_day": " 2024-03-31"}, "standard_screening_day"),
    ({"standard_screening_day": 20240331}, "standard_screening_day"),
    ({"standard_screening_day": True}, "standard_screening_day"),
    ({"standard_screening_day": "1999-12-31"}, "standard_screening_day"),
    ({"standard_screening_day": "2101-01-01"}, "standard_screening_day"),
    ({"standard_screening_day": "2024-03-31", "today": "yesterday"}, "today"),
    ({"standard_screening_day": "2024-03-31", "lang": "en"}, "lang"),
    ([], "payload"),
    ("2024-03-31", "payload"),
])
def test_parse_validity_errors(payload, field):
    with pytest.raises(InputError) as err:
        parse_validity_input(payload)
    assert err.value.field == field
    assert err.value.message and err.value.message_ja


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.dates().map(str),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values, st.fixed_dictionaries({"standard_screening_day": json_values}),
                 st.fixed_dictionaries({"standard_screening_day": st.dates().map(str), "today": json_values})))
def test_parse_validity_only_raises_input_error(payload):
    try:
        parsed = parse_validity_input(payload)
    except InputError as err:
        assert err.field
    else:
        plan_validity(parsed["standard_screening_day"], parsed["today"])
