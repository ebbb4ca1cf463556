"""The validity plan as a calendar file (iCalendar, RFC 5545): apply-by and expiry days with reminders.

A date in a planner is forgotten; a date in the contractor's own calendar, with reminders weeks
ahead, is not. Built with the ``icalendar`` library so that escaping, line folding and CRLF are right.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Event

PRODID = "-//Procurement Helpdesk//Keishin validity planner//EN"
# Reminders before each day: the apply-by date a month and a week ahead, the expiry two months ahead.
REMINDERS = {"apply_by": (30, 7), "expiry": (60, 14)}

TEXT = {  # (summary, description, reminder)
    "apply_by": {
        "en": ("Keishin: apply for the next evaluation",
               "Apply for the next keishin (business matters evaluation) by {apply_by} so that the new result "
               "notice can arrive before the current one expires on {expiry} (standard screening day {base}).",
               "Keishin: apply for the next evaluation by {apply_by}"),
        "ja": ("経審：次回の申請期限の目安",
               "現在の経審結果（審査基準日 {base}）は {expiry} に有効期限を迎えます。新しい結果通知書が間に合うよう、"
               "{apply_by} までに次の経営事項審査を申請してください。",
               "経審：{apply_by} までに次回の申請を"),
    },
    "expiry": {
        "en": ("Keishin result expires",
               "The keishin result based on the standard screening day {base} is valid until {expiry} (inclusive). "
               "Without a newer result you cannot contract public works directly.",
               "Keishin result expires on {expiry}"),
        "ja": ("経審結果の有効期限",
               "審査基準日 {base} の経審結果は {expiry} まで有効です。新しい結果がないと公共工事を直接請け負えません。",
               "経審結果の有効期限は {expiry}"),
    },
}


def _event(kind: str, day: dt.date, plan: dict, lang: str, now: dt.datetime, url: str | None) -> Event:
    summary, description, reminder = TEXT[kind][lang]
    values = {"base": plan["standard_screening_day"], "expiry": plan["expiry"], "apply_by": plan["apply_by"]}
    event = Event()
    event.add("uid", f"keishin-{kind}-{plan['standard_screening_day']}@procurement-helpdesk")
    event.add("dtstamp", now)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description.format(**values))
    event.add("transp", "TRANSPARENT")
    if url:
        event.add("url", url)
    for days in REMINDERS[kind]:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", reminder.format(**values))
        alarm.add("trigger", dt.timedelta(days=-days))
        event.add_component(alarm)
    return event


def validity_calendar(plan: dict, lang: str, now: dt.datetime, url: str | None = None) -> bytes:
    """An iCalendar file with two all-day events (apply by, expiry), each with two reminders.

    ``plan`` comes from :func:`.validity.plan_validity`; ``now`` (aware) is the DTSTAMP, given by the
    caller so that the function stays pure; ``url`` links back to the planner.
    """
    lang = "ja" if lang == "ja" else "en"
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "経審 有効期間" if lang == "ja" else "Keishin validity")
    for kind in ("apply_by", "expiry"):
        cal.add_component(_event(kind, dt.date.fromisoformat(plan[kind]), plan, lang, now, url))
    return cal.to_ical()
