"""Figures for the staff dashboard, computed from recorded questions (pure functions).

Every number is a count of recorded questions or votes in the period shown; nothing is estimated.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from .opendata import csv_bytes

GAP_COLUMNS = ("question", "count", "unanswered", "not_helpful", "helpful", "languages", "partners", "last_asked",
               "entry", "entry_file")


def per_day(rows: list[dict], days: int, today: dt.date) -> list[dict]:
    """One item per day of the period (oldest first): answered and unanswered counts."""
    counts = defaultdict(lambda: [0, 0])
    for row in rows:
        counts[row["asked_at"].date()][0 if row["answered"] else 1] += 1
    out = []
    for offset in range(days - 1, -1, -1):
        day = today - dt.timedelta(days=offset)
        answered, unanswered = counts.get(day, [0, 0])
        out.append({"day": day.isoformat(), "answered": answered, "unanswered": unanswered})
    return out


def helpfulness(rows: list[dict]) -> list[dict]:
    """Votes per entry (the entry the vote names, else the best entry shown), most votes first."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        for vote in row["feedback"]:
            entry = vote["entry_id"] or row["top_entry"] or "(none)"
            votes[entry]["yes" if vote["helpful"] else "no"] += 1
    out = [{"entry": entry, "yes": c["yes"], "no": c["no"], "total": c["yes"] + c["no"]} for entry, c in votes.items()]
    out.sort(key=lambda item: (-item["total"], item["entry"]))
    return out


def breakdown(rows: list[dict], key: str, missing: str) -> list[tuple[str, int]]:
    return Counter((row[key] or missing) for row in rows).most_common()


def gaps_csv(gaps: list[dict]) -> bytes:
    """The gaps table as CSV, written like the open-data files (UTF-8 with BOM, formula-safe cells)."""
    rows = [[" ".join(v) if isinstance(v, list) else v for v in (gap.get(col) for col in GAP_COLUMNS)]
            for gap in gaps]
    return csv_bytes(list(GAP_COLUMNS), rows)


def bar_chart(series: list[dict], keys: tuple[str, ...], height: int = 120) -> dict:
    """Geometry of a stacked bar chart (drawn as SVG by the template, no outside service)."""
    top = max([sum(item[k] for k in keys) for item in series] + [1])
    width = max(4, min(24, 720 // max(len(series), 1)))
    bars = []
    for i, item in enumerate(series):
        y = height
        parts = []
        for k in keys:
            h = round(item[k] / top * height, 1)
            y -= h
            parts.append({"key": k, "y": round(y, 1), "h": h, "value": item[k]})
        bars.append({"x": i * width, "w": width - 1, "parts": parts, "item": item})
    return {"bars": bars, "width": width * len(series), "height": height, "top": top}
