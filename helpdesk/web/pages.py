"""Server-rendered pages: they work without JavaScript; static/helpdesk.js only enhances them."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from ..directories import search_centres, search_glossary
from ..rendering import to_html
from .asking import BadQuestion, ask, engine
from .i18n import ui_lang
from .security import allow_framing, partner

bp = Blueprint("pages", __name__)


def _qa_page(template: str, compact: bool, status: int = 200, **extra):
    lang = ui_lang()
    q = request.args.get("q")
    result, error = None, None
    if q is not None:
        try:
            result = ask(q, lang, with_html=True)
        except BadQuestion as exc:
            error, status = str(exc), 400
    if request.args.get("fragment") == "1":
        return render_template("_turn.html", result=result, error=error, compact=compact), status
    return render_template(template, result=result, error=error, q=q or "", compact=compact, **extra), status


@bp.get("/")
def index():
    return _qa_page("index.html", compact=False)


@bp.get("/widget")
def widget():
    record = partner(request.args.get("partner"))
    allow_framing(record)
    return _qa_page("index.html", compact=True, partner=record, partner_key=request.args.get("partner", ""))


@bp.get("/entry/<entry_id>")
def entry(entry_id: str):
    eng = engine()
    data = eng.entries.get(entry_id)
    if data is None:
        abort(404, description="There is no entry with this id.")
    lang = ui_lang()
    related = [eng.entries[r] for r in data.get("related", []) if r in eng.entries]
    return render_template("entry.html", entry=data, body=to_html(data["answer"][lang], lang), related=related)


@bp.get("/centres")
def centres():
    eng = engine()
    q = request.args.get("q", "")[:100]
    found = search_centres(eng.prefectures, q)
    national = eng.data.get("centres", {}).get("national", {})
    return render_template("centres.html", q=q, centres=found, national=national,
                           total=len(eng.prefectures.centres))


@bp.get("/agencies")
def agencies():
    data = engine().data.get("agencies", {})
    return render_template("agencies.html", agencies=data.get("agencies", []), note=data.get("source_note", {}))


@bp.get("/glossary")
def glossary():
    eng = engine()
    q = request.args.get("q", "")[:100]
    terms = search_glossary(eng.data.get("glossary", []), q)
    return render_template("glossary.html", q=q, terms=terms, titles={k: v["title"] for k, v in eng.entries.items()})
