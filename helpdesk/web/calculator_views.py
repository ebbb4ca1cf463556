"""Keishin calculator and validity planner: the form page (works without JavaScript) and the API.

The rules live in the helpdesk.keishin package; this module only turns form
fields into the API payload and renders results.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from ..keishin import InputError, calculate_payload
from ..keishin.fields import (
    AUDIT_VALUES,
    CCUS_VALUES,
    FINANCIALS_FIELDS,
    INDICATOR_KEYS,
    STAFF_GRADES,
    W_FIELDS,
    W_SECTIONS,
    WLB_VALUES,
)
from ..keishin.ics import validity_calendar
from ..keishin.inputs import InputErrors
from ..keishin.labels import errors_of, field_label, labelled
from ..keishin.rounding import fmt
from ..keishin.tables import default_tables
from ..keishin.trades import default_trades
from ..keishin.validity import japan_today, parse_validity_input, plan_validity
from .i18n import ui_lang
from .limits import answering_limit
from .pages import embed_state
from .requestdata import BadBody, json_body

bp = Blueprint("calculator", __name__)
bp.before_request(embed_state)
FORM_INDUSTRIES = 3
MAX_NUMBER_CHARS = 40
ENUMS = {"wlb": WLB_VALUES, "ccus": CCUS_VALUES, "audit": AUDIT_VALUES}
P_COLOURS = {"X1": "#0b5394", "X2": "#38761d", "Y": "#b45f06", "Z": "#741b47", "W": "#3d3d3d"}


def _number(text: str, path: str):
    """A number typed in a form field (full-width digits and thousands separators allowed)."""
    cleaned = unicodedata.normalize("NFKC", text[:200]).replace(",", "").replace(" ", "").strip()
    if len(cleaned) > MAX_NUMBER_CHARS:
        raise InputError(path, f"is too long for a number (at most {MAX_NUMBER_CHARS} characters)",
                         f"数値として長すぎます（{MAX_NUMBER_CHARS}文字まで）")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InputError(path, "must be a number", "数値を入力してください") from None
    if not value.is_finite():
        raise InputError(path, "must be a finite number", "有限の数値を入力してください")
    # Bounds are checked by the calculator (naming the field); only convert what is surely small.
    return int(value) if value.adjusted() < 16 and value == value.to_integral_value() else value


def form_to_payload(form) -> tuple[dict, list[InputError], list[int]]:
    """The calculator form's fields as the JSON payload of POST /api/keishin.

    Also returns the numbers that could not be read (each an InputError; the raw text stays in the
    payload so the calculator still checks everything else) and, for each industry of the payload,
    the form's slot it came from (an empty slot is skipped, so ``industries[0]`` may be slot 1).
    """
    problems: list[InputError] = []

    def value(name: str, path: str):
        raw = form.get(name, "").strip()
        if raw == "":
            return None
        try:
            return _number(raw, path)
        except InputError as exc:
            problems.append(exc)
            return raw

    payload: dict = {"review_date": form.get("review_date", "").strip() or None}
    industries = []
    slots = []
    for i in range(FORM_INDUSTRIES):
        name = form.get(f"ind{i}_name", "").strip()
        fields = [f"ind{i}_{k}" for k in ("completed_works", "prime_completed_works", *STAFF_GRADES)]
        if not name and not any(form.get(f, "").strip() for f in fields):
            continue
        path = f"industries[{len(industries)}]"
        industry = {"name": name, "completed_works": value(f"ind{i}_completed_works", f"{path}.completed_works"),
                    "prime_completed_works": value(f"ind{i}_prime_completed_works", f"{path}.prime_completed_works"),
                    "staff": {g: value(f"ind{i}_{g}", f"{path}.staff.{g}") or 0 for g in STAFF_GRADES}}
        industries.append({k: v for k, v in industry.items() if v is not None})
        slots.append(i)
    payload["industries"] = industries
    payload["equity"] = value("equity", "equity")
    payload["ebitda"] = value("ebitda", "ebitda")
    if form.get("y_mode") == "financials":
        financials = {k: value(f"fin_{k}", f"y.financials.{k}") for k in FINANCIALS_FIELDS}
        payload["y"] = {"financials": {k: v for k, v in financials.items() if v is not None}}
    else:
        payload["y"] = {"indicators": {k: value(f"y_{k}", f"y.indicators.{k}") for k in INDICATOR_KEYS}}
    w: dict = {}
    for key, (kind, _default, _en, _ja) in W_FIELDS.items():
        if kind == "bool":
            w[key] = form.get(f"w_{key}") == "on"
        elif kind in ENUMS:
            w[key] = form.get(f"w_{key}") or "none"
        else:
            number = value(f"w_{key}", f"w.{key}")
            if number is not None:
                w[key] = number
    payload["w"] = w
    return {k: v for k, v in payload.items() if v is not None}, problems, slots


def _slot_path(path: str, slots: list[int]) -> str:
    """``industries[k]…`` renamed to the form slot it came from, so labels and fields match the page."""
    if not path.startswith("industries["):
        return path
    index, bracket, rest = path[len("industries["):].partition("]")
    if not bracket or not index.isdigit() or int(index) >= len(slots):
        return path
    return f"industries[{slots[int(index)]}]{rest}"


def form_field_of(path: str) -> str | None:
    """The form field that a (slot-numbered) error path refers to, for the message beside it."""
    if path == "industries":
        return "ind0_name"
    if path.startswith("industries["):
        index, _, rest = path[len("industries["):].partition("]")
        rest = rest.lstrip(".").replace("staff.", "")
        if rest in ("", "staff", "staff_value"):
            rest = "name" if rest == "" else "g1"
        return f"ind{index}_{rest}" if index.isdigit() else None
    if path in ("y", "y.indicators", "y.financials"):
        return "y_mode_indicators"
    if path.startswith("y.indicators."):
        return "y_" + path.rsplit(".", 1)[1]
    if path.startswith("y.financials."):
        return "fin_" + path.rsplit(".", 1)[1]
    if path.startswith("w."):
        return "w_" + path[2:]
    return path if path in ("review_date", "equity", "ebitda", "standard_screening_day") else None


def form_order() -> list[str]:
    """Every field of the form, top to bottom (the error summary follows the page)."""
    names = ["review_date"]
    for i in range(FORM_INDUSTRIES):
        names += [f"ind{i}_name", f"ind{i}_completed_works", f"ind{i}_prime_completed_works",
                  *(f"ind{i}_{g}" for g in STAFF_GRADES)]
    names += ["equity", "ebitda", "y_mode_indicators", *(f"y_{k}" for k in INDICATOR_KEYS),
              *(f"fin_{k}" for k in FINANCIALS_FIELDS), *(f"w_{k}" for k in W_FIELDS)]
    return names


def form_errors(errors: list[InputError], slots: list[int], lang: str) -> list[dict]:
    """Each problem once per field, in page order: its form field, its label and message in ``lang``."""
    order = {name: i for i, name in enumerate(form_order())}
    out: list[dict] = []
    seen: set[str] = set()
    for error in errors:
        path = _slot_path(error.field, slots)
        field = form_field_of(path)
        if field is not None and field in seen:
            continue
        seen.add(field or "")
        en, ja = field_label(path)
        message = error.message_ja if lang == "ja" else error.message
        text = f"{ja}：{message}" if lang == "ja" else f"{en}: {message}"
        out.append({"field": field, "message": message, "text": text})
    out.sort(key=lambda e: order.get(e["field"], len(order)))
    return out


def _opened(form, field_errors: dict) -> set[str]:
    """The folded sections to show open: those holding an error or something the user changed."""
    insurances = ("employment_insurance", "health_insurance", "pension_insurance")

    def changed(name: str) -> bool:
        value = form.get(name, "")
        if name.startswith("w_") and name[2:] in insurances:
            return value != "on"
        return value not in ("", "none")

    sections = {f"trade{i}": [f"ind{i}_{k}" for k in ("name", "completed_works", "prime_completed_works",
                                                       *STAFF_GRADES)] for i in range(1, FORM_INDUSTRIES)}
    sections["y-indicators"] = [f"y_{k}" for k in INDICATOR_KEYS]
    sections["y-financials"] = [f"fin_{k}" for k in FINANCIALS_FIELDS]
    for code, _en, _ja, keys in W_SECTIONS:
        sections[code.lower()] = [f"w_{k}" for k in keys]
    opened = {s for s, names in sections.items() if any(n in field_errors for n in names)}
    if form:
        opened |= {s for s, names in sections.items() if any(changed(n) for n in names)}
        opened.add("y-financials" if form.get("y_mode") == "financials" else "y-indicators")
    return opened


def _indicators() -> list[dict]:
    tables = default_tables()
    return [{"key": k, "name": {"en": ind.en, "ja": ind.ja}, "unit": ind.unit, "about": ind.about,
             "best": fmt(ind.best), "worst": fmt(ind.worst)} for k, ind in tables.y.indicators.items()]


def _render(status: int = 200, **context):
    errors = [*(context.get("errors") or []), *(context.get("validity_errors") or [])]
    form = context.pop("form", {})
    context["field_errors"] = field_errors = {e["field"]: e["message"] for e in errors if e["field"]}
    tables = default_tables()
    trades = default_trades()
    return render_template("calculator.html", w_fields=W_FIELDS, w_sections=W_SECTIONS, enums=ENUMS,
                           financials=FINANCIALS_FIELDS, indicators=_indicators(), grades=STAFF_GRADES,
                           staff_grades=tables.staff_grades, staff_points=tables.staff_points,
                           trades=trades.trades, trade_sources=trades.source, industries=range(FORM_INDUSTRIES),
                           colours=P_COLOURS, form=form, opened=_opened(form, field_errors), **context), status


@bp.get("/calculator")
def calculator_page():
    return _render()


@bp.post("/calculator")
@answering_limit
def calculator_submit():
    payload, problems, slots = form_to_payload(request.form)
    try:
        result = calculate_payload(payload)
        if problems:  # never computed from a form with an unreadable number (its text fails in the payload too)
            raise InputErrors(problems)
    except InputError as exc:
        errors = form_errors([*problems, *errors_of(exc)], slots, ui_lang())
        return _render(400, form=request.form, errors=errors)
    return _render(form=request.form, result=result)


def _screening_day(value: str | None) -> dt.date:
    """The standard screening day typed in the planner (InputError naming the field)."""
    return parse_validity_input({"standard_screening_day": (value or "").strip() or None})["standard_screening_day"]


@bp.post("/calculator/validity")
@answering_limit
def validity_submit():
    try:
        plan = plan_validity(_screening_day(request.form.get("standard_screening_day")), japan_today())
    except InputError as exc:
        return _render(400, form=request.form, validity_errors=form_errors(errors_of(exc), [], ui_lang()))
    return _render(form=request.form, plan=plan)


@bp.get("/calculator/validity.ics")
@answering_limit
def validity_ics():
    """The plan's apply-by and expiry days, with reminders, for the user's own calendar."""
    lang = ui_lang()
    try:
        day = _screening_day(request.args.get("standard_screening_day"))
    except InputError as exc:
        abort(400, description=" ".join(e["text"] for e in form_errors(errors_of(exc), [], lang)))
    plan = plan_validity(day)
    planner = f"{current_app.config['PUBLIC_URL']}/calculator?lang={lang}#validity"
    body = validity_calendar(plan, lang, dt.datetime.now(dt.UTC), planner)
    return body, 200, {"Content-Type": "text/calendar; charset=utf-8",
                       "Content-Disposition": f'attachment; filename="keishin-validity-{day.isoformat()}.ics"'}


def _json_payload():
    try:
        return json_body()
    except BadBody as exc:
        raise InputError("body", exc.message, exc.message_ja) from None


def _error(exc: InputError):
    """400 naming every problem; ``error``/``field``/``message`` keep the first for older clients."""
    message = exc.message_ja if ui_lang() == "ja" and request.args.get("lang") == "ja" else exc.message
    return jsonify({"error": f"{exc.field}: {message}", "field": exc.field, "message": exc.message,
                    "message_ja": exc.message_ja, "errors": [labelled(e) for e in errors_of(exc)]}), 400


@bp.post("/api/keishin")
@answering_limit
def api_keishin():
    try:
        return jsonify(calculate_payload(_json_payload()))
    except InputError as exc:
        return _error(exc)


@bp.post("/api/keishin/validity")
@answering_limit
def api_validity():
    try:
        parsed = parse_validity_input(_json_payload())
        return jsonify(plan_validity(parsed["standard_screening_day"], parsed["today"] or japan_today()))
    except InputError as exc:
        return _error(exc)
