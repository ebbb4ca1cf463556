"""Server-rendered pages: they work without JavaScript; static/helpdesk.js only enhances them."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import yaml
from flask import Blueprint, abort, current_app, g, make_response, render_template, request, send_from_directory
from flask_babel import gettext as _
from markupsafe import Markup

from ..directories import Regions, desk_status, find_desks, international_phone, search_glossary
from ..rendering import to_html
from .asking import BadQuestion, ask, engine
from .i18n import ui_lang
from .limits import question_page_limit
from .requestdata import param
from .security import allow_framing, partner

bp = Blueprint("pages", __name__)
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Routes that never take the widget's look (the embed page, the loader, the theme CSS).
NOT_EMBEDDED = {"pages.embed", "pages.embed_js", "pages.widget_theme"}

# The empty page: example questions per UI language (each one answered by the knowledge base,
# tests/test_pages.py checks it) and the four topics as questions that ask.
EXAMPLES = {
    "en": ["What is keishin?", "How long is a keishin result valid?", "Can a foreign company bid in Japan?",
           "What is the Digital Marketplace?", "What is a reserve price?"],
    "ja": ["経審とは何ですか", "経審の有効期間は？", "外国企業も入札に参加できますか", "デジタルマーケットプレイスとは",
           "予定価格とは"],
}
TOPICS = [("kankouju", "What is kankouju?", "官公需とは何ですか"),
          ("keishin", "What is keishin?", "経営事項審査とは"),
          ("digital-marketplace", "What is the Digital Marketplace?", "デジタルマーケットプレイスとは"),
          ("joint-procurement", "What is joint procurement?", "共同調達とは何ですか")]


def _embedding_origin() -> str:
    """The origin of the page that frames this request, when the browser says it is a frame
    loaded from another site (Sec-Fetch-Dest: iframe, and the Referer's origin); "" otherwise."""
    if request.headers.get("Sec-Fetch-Dest") != "iframe" or request.headers.get("Sec-Fetch-Site") == "same-origin":
        return ""
    referrer = urlsplit(request.headers.get("Referer", ""))
    if referrer.scheme not in ("http", "https") or not referrer.netloc:
        return ""
    origin = f"{referrer.scheme}://{referrer.netloc}".lower()
    own = {f"{urlsplit(current_app.config['PUBLIC_URL']).scheme}://{urlsplit(current_app.config['PUBLIC_URL']).netloc}",
           request.host_url.rstrip("/")}
    return "" if origin in own else origin


def _refused(key: str, record: dict | None, origin: str = ""):
    """A page that explains, inside the partner's frame, why the widget is not shown there.

    It may be framed by any site (frame-ancestors *): it holds no form and no answer, only the
    explanation, so there is nothing to trick a user into using.
    """
    g.frame_ancestors = "*"
    g.compact = True
    html = render_template("widget_refused.html", key=key, known=record is not None, origin=origin, refused=True,
                           contact=current_app.config.get("PARTNER_CONTACT", ""))
    return html, (403 if record else 404)


@bp.before_request
def embed_state():
    """Pages asked for with ?partner=KEY (and /widget) are the embeddable, compact variant.

    frame-ancestors then lists that partner's origins; the resize messages go to `origin` only
    when it is one of them, so the widget never talks to a page that is not allowed. An unknown
    key, or a frame on a site the key does not allow, gets a visible explanation instead.
    """
    key = param("partner")
    if request.endpoint in NOT_EMBEDDED or (request.endpoint != "pages.widget" and key is None):
        return None
    record = partner(key)
    if key and record is None:
        return _refused(key, None)
    framing_origin = _embedding_origin()
    if record and framing_origin and framing_origin not in record["origins"]:
        return _refused(key, record, framing_origin)
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


@bp.app_template_filter("scroll_tables")
def scroll_tables(html: str) -> Markup:
    """Each table of an answer in a region that scrolls sideways on narrow screens (words stay whole);
    focusable, so it can be scrolled with the keyboard."""
    label = Markup.escape(_("Table (scrolls sideways)"))
    opening = f'<div class="table-scroll" role="region" tabindex="0" aria-label="{label}"><table>'
    # html is the sanitised answer (rendering.to_html); only the two fixed tags are added.
    return Markup(str(html).replace("<table>", opening).replace("</table>", "</table></div>"))  # noqa: S704


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
    examples = EXAMPLES[lang]
    topics = [(topic, ja if lang == "ja" else en) for topic, en, ja in TOPICS]
    return render_template(template, result=result, error=error, q=q or "", examples=examples, topics=topics), status


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
    """The set-up page for partners: snippets, a live preview for a key, troubleshooting."""
    host = current_app.config["PUBLIC_URL"]   # never the Host header: a client could choose it
    key = (request.args.get("key") or "").strip()[:64]
    origin = (request.args.get("origin") or "").strip().rstrip("/").lower()[:200]
    preview_lang = request.args.get("preview_lang") if request.args.get("preview_lang") in ("en", "ja") else ui_lang()
    record = partner(key) if key else None
    localhost = partner("localhost")
    return render_template("embed.html", host=host, key=key, record=record, origin=origin,
                           origin_allowed=bool(record and origin in record["origins"]), preview_lang=preview_lang,
                           contact=current_app.config.get("PARTNER_CONTACT", ""),
                           localhost_origins=localhost["origins"] if localhost else [])


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


_regions_cache: dict = {}
_regions_lock = threading.Lock()


def regions() -> Regions:
    """knowledge/directories/regions.yaml, read again when it changes (no index needed)."""
    path = Path(current_app.config["KNOWLEDGE_DIR"]) / "directories" / "regions.yaml"
    try:
        stamp = (str(path), path.stat().st_mtime_ns)
    except OSError:
        return Regions({})
    with _regions_lock:
        if stamp not in _regions_cache:
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError):
                data = {}
            _regions_cache.clear()
            _regions_cache[stamp] = Regions(data if isinstance(data, dict) else {})
        return _regions_cache[stamp]


@bp.get("/centres")
@question_page_limit
def centres():
    eng = engine()
    q = request.args.get("q", "")[:100]
    known = regions()
    found, region = find_desks(eng.prefectures, q, known)
    national = eng.data.get("centres", {}).get("national", {})
    groups = []   # the full list by region, so that it can be scanned
    if not q.strip() and known.regions:
        for r in known.regions:
            members = [c for c in found if c.get("code") in r.get("prefectures", [])]
            if members:
                groups.append((r, members))
        rest = [c for c in found if not known.of(c.get("code"))]
        if rest:
            groups.append((None, rest))
    return render_template("centres.html", q=q, centres=found, region=region, groups=groups, national=national,
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
