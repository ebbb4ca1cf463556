"""Server-rendered pages: they work without JavaScript; static/helpdesk.js only enhances them."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, g, make_response, render_template, request, send_from_directory

from ..directories import desk_status, international_phone, search_centres, search_glossary
from ..rendering import to_html
from .asking import BadQuestion, ask, engine
from .i18n import ui_lang
from .limits import question_page_limit
from .requestdata import param
from .security import allow_framing, partner

bp = Blueprint("pages", __name__)
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@bp.before_request
def embed_state():
    """Pages asked for with ?partner=KEY (and /widget) are the embeddable, compact variant.

    frame-ancestors then lists that partner's origins; the resize messages go to `origin` only
    when it is one of them, so the widget never talks to a page that is not allowed.
    """
    key = param("partner")
    if request.endpoint != "pages.widget" and key is None:
        return
    record = partner(key)
    allow_framing(record)
    g.compact = True
    g.partner = record
    g.partner_key = key if record else ""
    origin = param("origin") or ""
    g.parent_origin = origin if record and origin in record["origins"] else ""


@bp.app_context_processor
def embed_context():
    def wurl(path: str, **params) -> str:
        """A link that stays inside the widget (keeps partner, origin and language)."""
        args = {"lang": ui_lang()}
        if g.get("partner_key"):
            args["partner"] = g.partner_key
            if g.get("parent_origin"):
                args["origin"] = g.parent_origin
        args.update({k: v for k, v in params.items() if v is not None})
        return f"{path}?{urlencode(args)}"

    return {"compact": g.get("compact", False), "partner": g.get("partner"), "partner_key": g.get("partner_key", ""),
            "parent_origin": g.get("parent_origin", ""), "wurl": wurl}


def _qa_page(template: str, status: int = 200):
    lang = ui_lang()
    q = request.args.get("q")
    result, error = None, None
    if q is not None:
        try:
            result = ask(q, lang, with_html=True, channel="widget" if g.get("compact") else "page")
        except BadQuestion as exc:
            error, status = str(exc), 400
    if request.args.get("fragment") == "1":
        return render_template("_turn.html", result=result, error=error), status
    return render_template(template, result=result, error=error, q=q or ""), status


@bp.get("/")
@question_page_limit
def index():
    return _qa_page("index.html")


@bp.get("/widget")
@question_page_limit
def widget():
    return _qa_page("index.html")


@bp.get("/widget/theme.css")
def widget_theme():
    """The partner's accent colour as CSS (inline styles are not allowed by our CSP)."""
    record = partner(request.args.get("partner"))
    accent = record["accent"] if record and HEX_COLOUR.match(record.get("accent", "")) else ""
    css = f":root {{ --accent: {accent}; --accent-dark: {accent}; }}\n" if accent else ""
    response = make_response(css)
    response.headers["Content-Type"] = "text/css; charset=utf-8"
    return response


@bp.get("/embed")
def embed():
    host = current_app.config["PUBLIC_URL"]   # never the Host header: a client could choose it
    return render_template("embed.html", host=host, partners=sorted(current_app.extensions["partners"]))


@bp.get("/embed.js")
def embed_js():
    return send_from_directory(current_app.static_folder, "embed.js", mimetype="text/javascript", max_age=300)


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
@question_page_limit
def centres():
    eng = engine()
    q = request.args.get("q", "")[:100]
    found = search_centres(eng.prefectures, q)
    national = eng.data.get("centres", {}).get("national", {})
    return render_template("centres.html", q=q, centres=found, national=national,
                           total=len(eng.prefectures.centres), desk_status=desk_status,
                           international_phone=international_phone)


@bp.get("/agencies")
def agencies():
    data = engine().data.get("agencies", {})
    return render_template("agencies.html", agencies=data.get("agencies", []), note=data.get("source_note", {}))


@bp.get("/glossary")
@question_page_limit
def glossary():
    eng = engine()
    q = request.args.get("q", "")[:100]
    terms = search_glossary(eng.data.get("glossary", []), q)
    return render_template("glossary.html", q=q, terms=terms, titles={k: v["title"] for k, v in eng.entries.items()})
