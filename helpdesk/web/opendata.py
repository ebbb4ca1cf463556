"""The knowledge base as open data: /data/knowledge.json, /data/glossary.csv, /data/centres.csv.

A thin layer over `helpdesk.opendata`: the files are built from the index generation being
served, once per generation, and are cacheable (an ETag from the generation, 304 on
If-None-Match). Without an index, `engine()` raises and the error handler answers 503.
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, make_response, request

from .. import opendata
from .asking import engine

bp = Blueprint("opendata", __name__, url_prefix="/data")
MAX_AGE = 300


def _knowledge_json(eng) -> bytes:
    return json.dumps(opendata.knowledge_document(eng), ensure_ascii=False, indent=1).encode("utf-8")


def _glossary_csv(eng) -> bytes:
    return opendata.csv_bytes(opendata.GLOSSARY_HEADER, opendata.glossary_rows(eng.data.get("glossary", [])))


def _centres_csv(eng) -> bytes:
    return opendata.csv_bytes(opendata.CENTRE_HEADER, opendata.centre_rows(eng.data.get("centres", {})))


FILES = {
    "knowledge.json": (_knowledge_json, "application/json", None),
    "glossary.csv": (_glossary_csv, "text/csv; charset=utf-8", "attachment; filename=glossary.csv"),
    "centres.csv": (_centres_csv, "text/csv; charset=utf-8", "attachment; filename=centres.csv"),
}


def _body(name: str, eng) -> bytes:
    """The file for this generation, built once; the cache holds the served generation only."""
    cached = current_app.extensions.get("opendata_bodies")
    if cached is None or cached[0] != eng.generation:
        cached = (eng.generation, {})
        current_app.extensions["opendata_bodies"] = cached
    body = cached[1].get(name)
    if body is None:
        body = cached[1][name] = FILES[name][0](eng)
    return body


def _serve(name: str):
    eng = engine()
    etag = f"{name}-{opendata.FORMAT_VERSION}-{eng.generation}"
    _, mimetype, disposition = FILES[name]
    if request.if_none_match.contains_weak(etag):
        response = make_response("", 304)
    else:
        response = make_response(_body(name, eng))
        response.headers["Content-Type"] = mimetype
        if disposition:
            response.headers["Content-Disposition"] = disposition
    response.set_etag(etag)
    # Explicit, so the security middleware's default (no-store) does not apply.
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.headers["Access-Control-Allow-Origin"] = "*"   # public data, no credentials involved
    return response


@bp.get("/knowledge.json")
def knowledge_json():
    return _serve("knowledge.json")


@bp.get("/glossary.csv")
def glossary_csv():
    return _serve("glossary.csv")


@bp.get("/centres.csv")
def centres_csv():
    return _serve("centres.csv")


@bp.app_template_global()
def open_data_date() -> str:
    """The build date (UTC, YYYY-MM-DD) of the generation being served, for the footer; '' if unknown.

    Never raises: the footer is also on the error page shown when there is no index.
    """
    try:
        eng = engine()
    except Exception:
        return ""
    return (eng.data.get("built") or "")[:10]
