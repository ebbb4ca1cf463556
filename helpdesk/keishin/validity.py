"""Keishin validity planner: pure date arithmetic, no web framework.

A keishin result is valid for **1 year 7 months from the standard screening day** (審査基準日, the
financial year-end the evaluation is based on), e.g. 2022-03-31 → 2023-10-31 and
2022-12-31 → 2024-07-31 for month-end year-ends.

Day arithmetic (reading of 民法 140条・143条, the Civil Code rules for periods in months):
the period starts the day after the screening day and ends on the day before the corresponding day
1 year 7 months later; when that month has no corresponding day, it ends on the last day of the
month. In practice: same day number 1y7m later, and a month-end screening day gives a month-end
expiry (2024-08-31 → 2026-03-31; 2024-02-29 → 2025-09-30). Month-end cases match the published
examples; for other days this is our reading (flagged ``validity_day_arithmetic``).

Planning: the next screening day is the next year-end (one year later; a month-end stays a month-end).
The 7 months of overlap after it were designed as about 4 months in-house (closing, tax return,
決算変更届 within 4 months, 建設業法 11条2項) plus about 3 months of processing. So the latest safe
application date is ``apply_by = expiry − 3 months`` (= about 4 months after the next year-end).
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from .inputs import InputError, Problems, parse_date, unknown_field_path

VALIDITY_MONTHS = 19  # 1 year 7 months
IN_HOUSE_MONTHS = 4  # closing, tax return, 決算変更届 (建設業法 11条2項: within 4 months)
PROCESSING_MONTHS = 3  # assumed processing allowance (Y analysis + evaluation), the rest of the 7 months
RENEW_SOON_MONTHS = 4  # warn from 4 months before the apply-by date (= from the next year-end)
JAPAN = dt.timezone(dt.timedelta(hours=9), "JST")  # no summer time: a fixed offset is exact
MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)

SOURCES = (
    {"title": "奈良市「経営事項審査について」（有効期間は審査基準日から1年7か月）",
     "url": "https://www.city.nara.lg.jp/site/nyusatu-keiyaku/214821.html"},
    {"title": "reiwa-gyosei.com — 1年7か月の由来（社内約4か月 + 審査約3か月）",
     "url": "https://reiwa-gyosei.com/archives/7108"},
    {"title": "経審の基礎（年間スケジュール）",
     "url": "https://h-kensetsu.com/keishin_kiso/283.html"},
)

NOTES = {
    "validity_day_arithmetic": {
        "id": "validity_day_arithmetic", "level": "U",
        "en": "For a screening day that is not a month-end, the exact expiry day follows our reading of the Civil "
              "Code rules for periods (same day number 1 year 7 months later); published examples only cover "
              "month-ends.",
        "ja": "審査基準日が月末でない場合の満了日は、民法の期間計算の規定に基づく当方の解釈（1年7か月後の同じ日）です。"
              "公表されている例は月末の場合だけです。",
    },
    "validity_processing_time": {
        "id": "validity_processing_time", "level": "U",
        "en": "The 3-month processing allowance is the design assumption behind the 1 year 7 months, not a "
              "deadline; actual processing is often shorter (about 1 month) but varies by authority and season.",
        "ja": "審査期間3か月は1年7か月という期間の前提となった目安で、期限ではありません。"
              "実際の審査は約1か月のことが多いものの、許可行政庁や時期により異なります。",
    },
}


def _is_month_end(day: dt.date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def _month_shift(year: int, month: int, months: int) -> tuple[int, int]:
    y, m = divmod(month - 1 + months, 12)
    return year + y, m + 1


def shift_months(day: dt.date, months: int) -> dt.date:
    """Same day number ``months`` later (or earlier); a month-end stays a month-end; clamps to the month's end."""
    year, month = _month_shift(day.year, day.month, months)
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, last if _is_month_end(day) else min(day.day, last))


def period_end(start_day: dt.date, months: int) -> dt.date:
    """Last day of a period of ``months`` counted from ``start_day`` (民法 140条・143条 reading).

    The first day is not counted, so the period runs from the next day and ends the day before the
    corresponding day ``months`` later, or on the month's last day when there is no corresponding day.
    """
    first = start_day + dt.timedelta(days=1)
    year, month = _month_shift(first.year, first.month, months)
    last = calendar.monthrange(year, month)[1]
    if first.day > last:
        return dt.date(year, month, last)
    return dt.date(year, month, first.day) - dt.timedelta(days=1)


def japan_today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Japan, where the dates of a result are counted (``now`` for tests)."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(JAPAN).date()


def status_on(today: dt.date, apply_by: dt.date, expiry: dt.date) -> dict:
    """Where ``today`` stands: ``valid``; ``renew_soon`` from 4 months before the apply-by date until the
    expiry (inclusive); ``expired`` after it. ``days_left`` counts to the expiry (negative once expired)."""
    renew_from = shift_months(apply_by, -RENEW_SOON_MONTHS)
    if today > expiry:
        status = "expired"
    elif today >= renew_from:
        status = "renew_soon"
    else:
        status = "valid"
    return {"today": today.isoformat(), "status": status, "days_left": (expiry - today).days,
            "days_until_apply_by": (apply_by - today).days, "renew_from": renew_from.isoformat()}


def plan_validity(standard_screening_day: dt.date, today: dt.date | None = None) -> dict:
    """Expiry, next screening day, annual-report due date and the latest safe application date.

    Returns a JSON-ready dict (dates as ``YYYY-MM-DD``) with bilingual ``steps`` explaining the dates;
    with ``today``, also where that day stands (:func:`status_on`). Pure: the caller supplies today.
    """
    base = standard_screening_day
    expiry = period_end(base, VALIDITY_MONTHS)
    next_day = shift_months(base, 12)
    report_due = period_end(next_day, IN_HOUSE_MONTHS)
    apply_by = shift_months(expiry, -PROCESSING_MONTHS)
    notes = [NOTES["validity_processing_time"]]
    if not _is_month_end(base):
        notes.insert(0, NOTES["validity_day_arithmetic"])
    iso = {"base": base.isoformat(), "expiry": expiry.isoformat(), "next": next_day.isoformat(),
           "due": report_due.isoformat(), "apply": apply_by.isoformat()}
    steps = [
        {"en": f"A result based on the standard screening day {iso['base']} is valid for 1 year 7 months, "
               f"until {iso['expiry']} (inclusive).",
         "ja": f"審査基準日 {iso['base']} の結果は1年7か月有効で、{iso['expiry']} まで使えます。"},
        {"en": f"Your next standard screening day is your next financial year-end, {iso['next']}; from then on "
               f"the old result covers only the remaining months until {iso['expiry']}.",
         "ja": f"次の審査基準日は次の決算日 {iso['next']} です。それ以降は、旧い結果が {iso['expiry']} までの"
               "残りの期間だけをカバーします。"},
        {"en": f"Within 4 months of that year-end, by {iso['due']}, the annual report (決算変更届) must be filed; "
               "the business situation analysis (Y) and the keishin application follow it.",
         "ja": f"決算日から4か月以内（{iso['due']} まで）に決算変更届を提出し、その後に経営状況分析（Y）と"
               "経営事項審査を申請します。"},
        {"en": f"The 7 months of overlap were designed as about 4 months of in-house work plus about 3 months of "
               f"processing. Apply by {iso['apply']} (expiry minus 3 months) so that the new result notice can "
               f"arrive before {iso['expiry']}.",
         "ja": f"この7か月は、社内の手続き約4か月と審査約3か月を見込んだものです。新しい結果通知書が "
               f"{iso['expiry']} までに届くよう、{iso['apply']}（有効期限の3か月前）までに申請してください。"},
        {"en": f"If the new result notice arrives after {iso['expiry']}, there is a gap: you cannot contract public "
               "works directly until it arrives. Processing often takes about 1 month, but allow a margin in "
               "busy seasons.",
         "ja": f"新しい結果通知書が {iso['expiry']} より後に届くと空白期間が生じ、"
               "届くまで公共工事を直接請け負えません。審査は約1か月のことが多いものの、繁忙期は余裕をもってください。"},
    ]
    result: dict[str, Any] = {
        "standard_screening_day": iso["base"],
        "expiry": iso["expiry"],
        "validity": {"years": VALIDITY_MONTHS // 12, "months": VALIDITY_MONTHS % 12,
                     "days": (expiry - base).days},
        "next_standard_screening_day": iso["next"],
        "annual_report_due": iso["due"],
        "apply_by": iso["apply"],
        "assumptions": {"in_house_months": IN_HOUSE_MONTHS, "processing_months": PROCESSING_MONTHS},
        "steps": steps,
        "unconfirmed": notes,
        "sources": [dict(s) for s in SOURCES],
    }
    if today is not None:
        result.update(status_on(today, apply_by, expiry))
    return result


def parse_validity_input(payload: Any) -> dict:
    """``{"standard_screening_day": "YYYY-MM-DD", "today": "YYYY-MM-DD" (optional)}`` → dates.

    Raises :class:`~helpdesk.keishin.inputs.InputErrors` listing every problem, the first one's field
    as its own.
    """
    problems = Problems()
    if not isinstance(payload, dict):
        problems.add(InputError("payload", "must be an object", "オブジェクトを指定してください"))
        problems.raise_if_any()
    for key in payload:
        if key not in ("standard_screening_day", "today"):
            shown = repr(key)[:60]
            problems.add(InputError(unknown_field_path("", key), f"unknown field {shown}", f"不明な項目です: {shown}"))
    day = payload.get("standard_screening_day")
    if day is None:
        problems.add(InputError("standard_screening_day", "is required", "必須項目です"))
    else:
        day = problems.check(parse_date, day, "standard_screening_day", MIN_DATE, MAX_DATE)
    today = payload.get("today")
    if today is not None:
        today = problems.check(parse_date, today, "today", MIN_DATE, MAX_DATE)
    problems.raise_if_any()
    return {"standard_screening_day": day, "today": today}
