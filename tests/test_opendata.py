"""The knowledge base as open data: /data/knowledge.json, /data/glossary.csv, /data/centres.csv, the footer."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from helpdesk import opendata
from helpdesk.opendata import (
    CENTRE_HEADER,
    GLOSSARY_HEADER,
    centre_rows,
    csv_bytes,
    glossary_rows,
    knowledge_document,
    safe_cell,
)

from .conftest import make_app

BOM = b"\xef\xbb\xbf"
DATA_URLS = ("/data/knowledge.json", "/data/glossary.csv", "/data/centres.csv")


def parse_csv(response) -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith(BOM)
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def expected_desks(eng) -> int:
    centres = eng.data.get("centres", {})
    return len(centres.get("centres", [])) + (1 if centres.get("national") else 0)


# ---------------------------------------------------------------- pure functions

@pytest.mark.parametrize("text", ["=HYPERLINK(\"https://evil.example\",\"click\")", "+1+2", "-2+3", "@SUM(A1)",
                                  "\t=1", "\r=1"])
def test_formula_looking_cells_get_an_apostrophe(text):
    assert safe_cell(text) == "'" + text
    assert safe_cell(safe_cell(text)) == "'" + text   # neutralising twice changes nothing more


def test_ordinary_cells_are_unchanged():
    for text in ("官公需", "a = b", "03-3523-4901", "", "'quoted"):
        assert safe_cell(text) == text
    assert safe_cell(None) == "" and safe_cell(5) == "5"


def test_glossary_rows_neutralise_formulas_and_never_invent_sources():
    terms = [
        {"ja": "=HYPERLINK(\"https://evil.example\",\"x\")", "kana": "かな", "romaji": "-romaji", "en": "@en",
         "definition": {"en": "+def", "ja": "定義"}, "entry": "kankouju-what-is"},
        {"ja": "予定価格", "kana": "よていかかく", "romaji": "yotei kakaku", "en": "ceiling price",
         "definition": {"en": "d", "ja": "定"}, "source": "Cabinet Order, art. 79"},
        {"ja": "入札", "kana": "にゅうさつ", "romaji": "nyuusatsu", "en": "bidding",
         "definition": {"en": "d", "ja": "定"},
         "sources": [{"title": "MOF", "url": "https://www.mof.go.jp/"},
                     {"title": "Accounts Act (Act No. 35, 1947)", "url": None}]},
    ]
    rows = glossary_rows(terms)
    assert len(rows) == 3 and all(len(r) == len(GLOSSARY_HEADER) for r in rows)
    first = dict(zip(GLOSSARY_HEADER, rows[0], strict=True))
    assert first["ja"] == "'=HYPERLINK(\"https://evil.example\",\"x\")"
    assert first["romaji"] == "'-romaji" and first["en"] == "'@en" and first["definition_en"] == "'+def"
    assert first["source"] == ""   # no source field: empty, not made up from the entry
    assert dict(zip(GLOSSARY_HEADER, rows[1], strict=True))["source"] == "Cabinet Order, art. 79"
    third = dict(zip(GLOSSARY_HEADER, rows[2], strict=True))
    assert third["source"] == "MOF <https://www.mof.go.jp/> | Accounts Act (Act No. 35, 1947)"


def test_centre_rows_join_sources_and_put_the_national_centre_first():
    centres = {
        "national": {"organisation": {"en": "National", "ja": "全国"}, "phone": "03-1", "sources": []},
        "centres": [{"code": "27", "prefecture": {"en": "Osaka", "ja": "大阪府"}, "phone": "+81-6-0000",
                     "sources": [{"title": "A", "url": "https://a.example/"},
                                 {"title": "B", "url": None}]}],
    }
    rows = [dict(zip(CENTRE_HEADER, r, strict=True)) for r in centre_rows(centres)]
    assert [r["scope"] for r in rows] == ["national", "prefecture"]
    assert rows[0]["sources"] == "" and rows[0]["status"] == ""
    assert rows[1]["sources"] == "A <https://a.example/> | B"   # a document without an address: its citation
    assert rows[1]["phone"] == "'+81-6-0000"


def test_csv_bytes_has_bom_header_and_quotes_properly():
    data = csv_bytes(["a", "b"], [["x, \"y\"", "line\nbreak"], ["=1", "ok"]])
    assert data.startswith(BOM)
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed == [["a", "b"], ["x, \"y\"", "line\nbreak"], ["'=1", "ok"]]


def test_knowledge_document_is_sorted_and_complete(engine):
    doc = knowledge_document(engine)
    ids = [e["id"] for e in doc["entries"]]
    assert ids == sorted(engine.entries) and doc["count"] == len(ids)
    assert doc["generation"] == engine.generation and doc["licence"]["id"] == "CC-BY-4.0"


# ---------------------------------------------------------------- /data/knowledge.json

def check_knowledge_json(client, eng):
    response = client.get("/data/knowledge.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    doc = response.get_json()
    assert doc["count"] == len(eng.entries) == len(doc["entries"])
    assert [e["id"] for e in doc["entries"]] == sorted(eng.entries)
    for item in doc["entries"]:
        stored = eng.entries[item["id"]]
        assert set(item) >= {"id", "topic", "reviewed", "title", "answer", "questions", "sources"}
        for field in ("title", "answer"):
            assert item[field]["en"].strip() and item[field]["ja"].strip()
            assert item[field] == {"en": stored[field]["en"], "ja": stored[field]["ja"]}   # Markdown as written
        assert item["questions"]["en"] and item["questions"]["ja"]
        assert item["sources"] and all(s["title"] and (s["url"] is None or s["url"].startswith(("https://", "http://")))
                                   for s in item["sources"])
        assert item["reviewed"] == stored["reviewed"] and item["topic"] == stored["topic"]
    assert doc["generation"] == eng.generation
    when = dt.datetime.fromisoformat(doc["generated"])
    assert when.tzinfo is not None and when.utcoffset() == dt.timedelta(0)
    assert doc["generated"] == eng.data["built"]   # the build time written in the generation's manifest
    assert doc["licence"]["statement"]["en"].startswith("Knowledge texts: CC BY 4.0")
    return doc


def test_knowledge_json_fixture(client, engine):
    check_knowledge_json(client, engine)


def test_knowledge_json_real(real_client, real_app):
    eng = real_app.extensions["engine_store"].current()
    doc = check_knowledge_json(real_client, eng)
    assert doc["count"] > 50


# ---------------------------------------------------------------- CSV files

@pytest.mark.parametrize("which", ["fixture", "real"])
def test_glossary_csv(which, client, engine, real_client, real_app):
    if which == "real":
        client, engine = real_client, real_app.extensions["engine_store"].current()
    response = client.get("/data/glossary.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=glossary.csv"
    rows = parse_csv(response)
    assert rows[0] == GLOSSARY_HEADER
    terms = engine.data["glossary"]
    assert len(rows) - 1 == len(terms) > 0
    assert {r[0] for r in rows[1:]} == {t["ja"] for t in terms}
    for row, term in zip(rows[1:], terms, strict=True):
        given = term.get("sources", term.get("source"))
        assert (row[GLOSSARY_HEADER.index("source")] == "") == (not given)


@pytest.mark.parametrize("which", ["fixture", "real"])
def test_centres_csv(which, client, engine, real_client, real_app):
    if which == "real":
        client, engine = real_client, real_app.extensions["engine_store"].current()
    response = client.get("/data/centres.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == "attachment; filename=centres.csv"
    rows = parse_csv(response)
    assert rows[0] == CENTRE_HEADER
    assert len(rows) - 1 == expected_desks(engine)
    by_code = {r[1]: dict(zip(CENTRE_HEADER, r, strict=True)) for r in rows[1:] if r[0] == "prefecture"}
    for centre in engine.data["centres"]["centres"]:
        row = by_code[centre["code"]]
        assert row["prefecture_ja"] == centre["prefecture"]["ja"]
        for src in centre["sources"]:
            assert src["title"] in row["sources"]
            if src.get("url"):
                assert src["url"] in row["sources"]
        assert (row["sources"] == "") == (not centre["sources"])


def test_no_cell_in_the_real_csvs_looks_like_a_formula(real_client):
    for url in ("/data/glossary.csv", "/data/centres.csv"):
        for row in parse_csv(real_client.get(url)):
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


# ---------------------------------------------------------------- caching, errors

@pytest.mark.parametrize("url", DATA_URLS)
def test_etag_and_304(url, client, engine):
    first = client.get(url)
    etag = first.headers["ETag"]
    assert engine.generation in etag
    assert "public" in first.headers["Cache-Control"] and "max-age=300" in first.headers["Cache-Control"]
    assert "no-store" not in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and "max-age=300" in again.headers["Cache-Control"]
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    assert client.get(url, headers={"If-None-Match": "W/" + etag}).status_code == 304


def test_etags_differ_between_files(client):
    assert len({client.get(url).headers["ETag"] for url in DATA_URLS}) == 3


def test_no_index_gives_503(fixture_kb_dir, tmp_path):
    app = make_app(fixture_kb_dir, tmp_path / "empty-index")
    client = app.test_client()
    for url in DATA_URLS:
        response = client.get(url)
        assert response.status_code == 503
        assert "kb build" in response.get_data(as_text=True)


# ---------------------------------------------------------------- footer, widget

def test_footer_links_licence_and_date_in_english(client, engine):
    html = client.get("/?lang=en").get_data(as_text=True)
    footer = html[html.index('<footer class="site">'):html.index("</footer>")]
    for url in DATA_URLS:
        assert f'href="{url}"' in footer
    assert "Knowledge texts:" in footer and "CC BY 4.0</a>, Procurement Helpdesk." in footer
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in footer
    assert "Facts come from the sources cited in each entry." in footer
    assert engine.data["built"][:10] in footer


def test_footer_in_japanese(client, engine):
    html = client.get("/?lang=ja").get_data(as_text=True)
    footer = html[html.index('<footer class="site">'):html.index("</footer>")]
    for url in DATA_URLS:
        assert f'href="{url}"' in footer
    assert "CC BY 4.0</a>" in footer and "公共調達ヘルプデスク" in footer and "出典" in footer
    assert "オープンデータ" in footer and "Knowledge texts" not in footer
    assert engine.data["built"][:10] in footer


def test_footer_on_error_page_without_index(fixture_kb_dir, tmp_path):
    client = make_app(fixture_kb_dir, tmp_path / "empty-index").test_client()
    response = client.get("/glossary?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert 'href="/data/knowledge.json"' in html and "as of" not in html


def test_widget_sets_no_cookie(client):
    for url in ("/widget", "/widget?partner=demo-chamber&lang=ja", "/widget?q=keishin"):
        response = client.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" not in client.get("/data/knowledge.json").headers


def test_licence_statement_is_the_one_in_the_brief():
    assert opendata.LICENCE["statement"]["en"] == ("Knowledge texts: CC BY 4.0, Procurement Helpdesk. "
                                                   "Facts come from the sources cited in each entry.")
