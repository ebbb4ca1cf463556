"""Human names for input fields, in English and Japanese, so that errors never show internal paths.

``industries[0].completed_works`` means nothing to a contractor filling in a form; "Trade 1 — average
completed works (thousand yen)" does. The API keeps the path in ``field`` (for programs) and puts the
label in front of the message (for people).
"""

from __future__ import annotations

import re

from .fields import FINANCIALS_FIELDS, W_FIELDS
from .inputs import InputError
from .tables import Tables, default_tables

_INDUSTRY = re.compile(r"industries\[(\d+)\](?:\.(.+))?")

_TOP = {
    "payload": ("Request", "リクエスト"),
    "body": ("Request body", "リクエスト本文"),
    "review_date": ("Standard screening day", "審査基準日"),
    "industries": ("Trades", "業種"),
    "equity": ("Equity (thousand yen)", "自己資本額（千円）"),
    "ebitda": ("Profit before interest, tax and depreciation, 2-period average (thousand yen)",
               "利払前税引前償却前利益（2期平均、千円）"),
    "y": ("Business situation (Y)", "経営状況（Y）"),
    "y.indicators": ("Y — the 8 indicators", "Y — 8つの指標"),
    "y.financials": ("Y — financial statement figures", "Y — 決算数値"),
    "w": ("Social items (W)", "その他の審査項目（W）"),
    "standard_screening_day": ("Standard screening day", "審査基準日"),
    "today": ("Today's date", "今日の日付"),
}
_INDUSTRY_FIELDS = {
    "name": ("trade", "業種"),
    "completed_works": ("average completed works (thousand yen)", "年間平均完成工事高（千円）"),
    "prime_completed_works": ("average completed works as prime contractor (thousand yen)",
                              "元請完成工事高（千円）"),
    "staff_value": ("technical staff value", "技術職員数値"),
    "staff": ("technical staff", "技術職員"),
}


def _grade(grade: str, tables: Tables) -> tuple[str, str]:
    points = tables.staff_points.get(grade)
    if points is None:
        raise KeyError(grade)
    names = tables.staff_grades[grade]
    return (f"technical staff, {grade.upper()} {names['en']} ({points} points)",
            f"技術職員 {grade.upper()} {names['ja']}（{points}点）")


def _known(path: str, tables: Tables) -> tuple[str, str] | None:
    if path in _TOP:
        return _TOP[path]
    match = _INDUSTRY.fullmatch(path)
    if match:
        n = int(match.group(1)) + 1
        rest = match.group(2)
        if rest is None:
            return f"Trade {n}", f"業種{n}"
        if rest in _INDUSTRY_FIELDS:
            en, ja = _INDUSTRY_FIELDS[rest]
        elif rest.startswith("staff."):
            en, ja = _grade(rest[len("staff."):], tables)
        else:
            return None
        return f"Trade {n} — {en}", f"業種{n} — {ja}"
    group, _, key = path.rpartition(".")
    if group == "y.indicators" and key in tables.y.indicators:
        ind = tables.y.indicators[key]
        return f"Y indicator {key} — {ind.en}", f"Y指標 {key} — {ind.ja}"
    if group == "y.financials" and key in FINANCIALS_FIELDS:
        _sign, en, ja = FINANCIALS_FIELDS[key]
        return f"Financial statements — {en}", f"決算数値 — {ja}"
    if group == "w" and key in W_FIELDS:
        _kind, _default, en, ja = W_FIELDS[key]
        return f"W — {en}", f"W — {ja}"
    return None


def field_label(path: str, tables: Tables | None = None) -> tuple[str, str]:
    """(English, Japanese) name of the field at ``path``; an unknown key is named by its parent."""
    tables = tables or default_tables()
    current = path
    while current:
        try:
            label = _known(current, tables)
        except KeyError:
            label = None
        if label:
            return label
        parent = re.sub(r"(\.[^.\[\]]*|\[[^\[\]]*\])$", "", current)
        if parent == current:
            break
        current = parent
    return _TOP["payload"]


def labelled(error: InputError, tables: Tables | None = None) -> dict:
    """``{"field", "message", "message_ja"}`` with the field's human name in front of each message."""
    en, ja = field_label(error.field, tables)
    return {"field": error.field, "message": f"{en}: {error.message}", "message_ja": f"{ja}：{error.message_ja}"}


def errors_of(error: InputError) -> list[InputError]:
    """Every problem carried by ``error`` (an InputErrors lists several, a plain InputError is one)."""
    return list(getattr(error, "errors", None) or [error])
