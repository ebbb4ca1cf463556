"""The JSON contract of /api/ask and /healthz, and clear 4xx errors for bad input."""

import pytest

CONTRACT_KEYS = {"ask_id", "query", "lang", "answered", "answers", "definitions", "did_you_mean", "related", "contacts"}
ANSWER_KEYS = {"id", "topic", "title", "answer", "url", "score", "sources"}


def test_answer_follows_the_contract(client):
    response = client.get("/api/ask", query_string={"q": "What is keishin?"})
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) == CONTRACT_KEYS
    assert data["query"] == "What is keishin?" and data["lang"] == "en" and data["answered"] is True
    first = data["answers"][0]
    assert set(first) >= ANSWER_KEYS
    assert first["id"] == "keishin-what-is" and first["topic"] == "keishin"
    assert first["url"] == "/entry/keishin-what-is?lang=en"
    assert isinstance(first["score"], float) and 0 < first["score"] <= 1
    assert first["sources"] == [{"title": "Test source", "url": "https://example.org/keishin"}]
    assert "<" not in first["answer"]                    # plain text
    assert all(set(r) >= {"id", "title"} for r in data["related"])


def test_language_of_answer_follows_lang_or_the_question(client):
    ja = client.get("/api/ask", query_string={"q": "経審とは"}).get_json()
    assert ja["lang"] == "ja" and ja["answers"][0]["title"] == "経営事項審査（経審）とは"
    en = client.get("/api/ask", query_string={"q": "経審とは", "lang": "en"}).get_json()
    assert en["lang"] == "en" and en["answers"][0]["title"].startswith("What is keishin")
    cross = client.get("/api/ask", query_string={"q": "keishin validity", "lang": "ja"}).get_json()
    assert cross["answers"][0]["title"] == "経審の有効期間"


def test_unanswered_question_lists_contacts(client):
    data = client.get("/api/ask", query_string={"q": "What is the capital of France?"}).get_json()
    assert data["answered"] is False and data["answers"] == []
    names = [c["name"] for c in data["contacts"]]
    assert any("prefecture" in n for n in names) and any("national" in n for n in names)


@pytest.mark.parametrize("params, fragment", [
    ({}, "missing"),
    ({"q": ""}, "empty"),
    ({"q": "   \t  "}, "empty"),
    ({"q": "k" * 501}, "too long"),
    ({"q": "keishin", "lang": "fr"}, "lang"),
    ({"q": "a\x00b"}, "character"),
])
def test_bad_input_gets_a_clear_400(client, params, fragment):
    response = client.get("/api/ask", query_string=params)
    assert response.status_code == 400
    assert fragment in response.get_json()["error"]


@pytest.mark.parametrize("q", [
    "<script>alert('x')</script>", "' OR 1=1 --", "keishin\u202e\u200d", "ｷｰｼﾝ", "𠮷野家", "\U0001F600" * 100,
    "a" * 500, "AND OR NOT", "*", "title_en:keishin", "%00%ff", "\ud7ff", "z̷̢͉a̸l̵g̶o̶",
])
def test_hostile_or_odd_input_never_breaks(client, q):
    response = client.get("/api/ask", query_string={"q": q})
    assert response.status_code == 200
    assert response.get_json()["query"] == q.strip()


def test_invalid_utf8_in_query_string_is_handled(client):
    response = client.get("/api/ask?q=%ff%fe")
    assert response.status_code in (200, 400)


def test_healthz_reports_generation_and_count(client):
    data = client.get("/healthz").get_json()
    assert data["status"] == "ok" and data["entries"] == 5 and data["generation"].startswith("gen-")


def test_unknown_route_is_json_404_for_api(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404 and "error" in response.get_json()


def test_wrong_method_is_405(client):
    assert client.put("/api/ask", data={"q": "x"}).status_code == 405
    assert client.delete("/api/keishin").status_code == 405


def test_post_ask_takes_json_and_explains_other_bodies(client):
    by_get = client.get("/api/ask", query_string={"q": "what is keishin?"}).get_json()
    by_post = client.post("/api/ask", json={"q": "what is keishin?"}).get_json()
    assert by_post["answers"] and by_post["answers"][0]["id"] == by_get["answers"][0]["id"]
    form = client.post("/api/ask", data={"q": "x"})
    assert form.status_code == 400 and "application/json" in form.get_json()["error"]
    for body, word in (({"q": 5}, "string"), ({"q": "x", "lang": "fr"}, "lang"), ({"question": "x"}, "unknown"),
                       (["q"], "object"), ({"q": "  "}, "empty")):
        response = client.post("/api/ask", json=body)
        assert response.status_code == 400 and word in response.get_json()["error"], body


def test_no_index_gives_503_not_500(tmp_path, fixture_kb_dir):
    from .conftest import make_app

    app = make_app(fixture_kb_dir, tmp_path / "empty")
    response = app.test_client().get("/api/ask", query_string={"q": "keishin"})
    assert response.status_code == 503 and "error" in response.get_json()


def test_rate_limit_answers_429_with_message(fixture_kb_dir, tmp_path):
    from helpdesk.indexing import build_index
    from helpdesk.knowledge import load_valid_knowledge

    from .conftest import make_app

    build_index(load_valid_knowledge(fixture_kb_dir), tmp_path / "ix")
    app = make_app(fixture_kb_dir, tmp_path / "ix", RATELIMIT_ENABLED=True, RATELIMIT_ASK="3 per minute")
    client = app.test_client()
    codes = [client.get("/api/ask", query_string={"q": "keishin"}).status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    assert "error" in client.get("/api/ask", query_string={"q": "keishin"}).get_json()


def test_unanswered_questions_are_logged_for_staff(client, caplog):
    with caplog.at_level("INFO", logger="helpdesk.unanswered"):
        client.get("/api/ask", query_string={"q": "What is the capital of France?"})
        client.get("/api/ask", query_string={"q": "What is keishin?"})
    logged = [r.getMessage() for r in caplog.records if r.name == "helpdesk.unanswered"]
    assert len(logged) == 1 and "capital of France" in logged[0]


def test_glossary_terms_come_as_definitions_beside_the_answers(client):
    data = client.get("/api/ask", query_string={"q": "What is a ceiling price?"}).get_json()
    assert data["answered"] is True
    assert [d["term"] for d in data["definitions"]] == ["予定価格"]
    definition = data["definitions"][0]
    assert definition["english"] == "ceiling price" and definition["romaji"] == "yotei kakaku"
    assert definition["definition"].startswith("The maximum contract price")
    assert definition["sources"] == [{"title": "Test glossary source", "url": "https://example.org/yotei-kakaku"}]
    assert all(not a["id"].startswith("glossary") for a in data["answers"])
    ja = client.get("/api/ask", query_string={"q": "予定価格とは"}).get_json()
    assert ja["definitions"][0]["definition"] == "発注者があらかじめ定める契約金額の上限。"


def test_each_answer_has_its_own_score_and_the_list_follows_it(client):
    answers = client.get("/api/ask", query_string={"q": "keishin"}).get_json()["answers"]
    scores = [a["score"] for a in answers]
    assert [a["id"] for a in answers][:2] == ["keishin-what-is", "keishin-validity"]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    assert scores[0] > 0.9                                                 # the entry about keishin itself
    assert scores[1] < scores[0] and scores[1] != round(scores[0] * 0.9, 4)   # its own score, not a decoration
    mixed = client.get("/api/ask", query_string={"q": "keishin kankouju"}).get_json()["answers"]
    assert all(a["score"] < 0.9 for a in mixed)   # no entry holds both words: nobody scores as if it did


def test_two_questions_in_one_get_an_answer_each(client):
    data = client.get("/api/ask", query_string={"q": "What is kankouju and how long is keishin valid?"}).get_json()
    ids = [a["id"] for a in data["answers"]]
    assert "kankouju-what-is" in ids and "keishin-validity" in ids


# ---------------------------------------------------------------- /api/suggest

@pytest.mark.parametrize("q, lang, expected", [
    ("keishin val", "en", "keishin-validity"),       # the last word as a prefix
    ("keishn", "en", "keishin-what-is"),             # a typo
    ("keishin yuukou", "en", "keishin-validity"),    # romaji with a long vowel
    ("けいしん", "ja", "keishin-what-is"),            # kana against the readings
    ("経審の有効", "ja", "keishin-validity"),         # a Japanese substring
    ("kankoju", "en", "kankouju-what-is"),           # romaji without the long vowel
])
def test_suggestions_while_typing(client, q, lang, expected):
    response = client.get("/api/suggest", query_string={"q": q, "lang": lang})
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) == {"query", "lang", "suggestions"} and data["lang"] == lang
    assert 1 <= len(data["suggestions"]) <= 8
    assert expected in [s["id"] for s in data["suggestions"]]
    assert all(set(s) == {"id", "title", "url"} and s["url"].startswith(f"/entry/{s['id']}?lang={lang}")
               for s in data["suggestions"])


def test_suggestion_titles_follow_lang_or_the_script(client):
    assert client.get("/api/suggest?q=けいしん").get_json()["suggestions"][0]["title"].startswith("経")
    en = client.get("/api/suggest", query_string={"q": "けいしん", "lang": "en"}).get_json()
    assert en["lang"] == "en" and all(s["title"].isascii() for s in en["suggestions"])


@pytest.mark.parametrize("q", ["", "  ", "k", "What is the capital of France"])
def test_no_suggestion_for_too_little_or_nothing_known(client, q):
    response = client.get("/api/suggest", query_string={"q": q})
    assert response.status_code == 200 and response.get_json()["suggestions"] == []


@pytest.mark.parametrize("params, fragment", [
    ({}, "missing"), ({"q": "k" * 101}, "longer than 100"), ({"q": "kei", "lang": "fr"}, "lang"),
    ({"q": "a\x00b"}, "character"),
])
def test_bad_suggest_input_gets_a_clear_400(client, params, fragment):
    response = client.get("/api/suggest", query_string=params)
    assert response.status_code == 400 and fragment in response.get_json()["error"]


def test_suggest_shares_the_answering_rate_limit(fixture_kb_dir, tmp_path):
    from helpdesk.indexing import build_index
    from helpdesk.knowledge import load_valid_knowledge

    from .conftest import make_app

    build_index(load_valid_knowledge(fixture_kb_dir), tmp_path / "ix")
    app = make_app(fixture_kb_dir, tmp_path / "ix", RATELIMIT_ENABLED=True, RATELIMIT_ASK="2 per minute")
    client = app.test_client()
    assert client.get("/api/ask?q=keishin").status_code == 200
    assert client.get("/api/suggest?q=keishin").status_code == 200
    limited = client.get("/api/suggest?q=keishin")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


def test_suggester_is_kept_per_generation(engine):
    from helpdesk.suggesting import suggester_for

    assert suggester_for(engine) is suggester_for(engine)


# ---------------------------------------------------------------- partners file: reload, broken file

PARTNERS = """partners:
  first:
    origins: ["https://first.example"]
    lang: en
"""


def _partner_app(fixture_kb_dir, tmp_path, text):
    from .conftest import make_app

    path = tmp_path / "partners.yaml"
    path.write_text(text)
    app = make_app(fixture_kb_dir, tmp_path / "no-index", PARTNERS_FILE=path, PARTNERS_CHECK_INTERVAL=0)
    return app, path


def _touch_with(path, text):
    import os

    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 2_000_000_000, before + 2_000_000_000))   # a visibly newer file


def test_partners_file_is_reloaded_without_restart(fixture_kb_dir, tmp_path):
    app, path = _partner_app(fixture_kb_dir, tmp_path, PARTNERS)
    client = app.test_client()
    assert client.get("/widget?partner=second").headers["Content-Security-Policy"].endswith("frame-ancestors *")
    _touch_with(path, PARTNERS + '  second:\n    origins: ["https://second.example"]\n')
    csp = client.get("/widget?partner=second").headers["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors 'self' https://second.example")
    assert client.get("/healthz").get_json()["partners"] == {"status": "ok", "count": 2}


def test_broken_partners_file_keeps_the_last_good_list_and_says_so(fixture_kb_dir, tmp_path, caplog):
    app, path = _partner_app(fixture_kb_dir, tmp_path, PARTNERS)
    client = app.test_client()
    _touch_with(path, PARTNERS + "  broken: [unclosed\n")
    csp = client.get("/widget?partner=first").headers["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors 'self' https://first.example")       # still served
    health = client.get("/healthz").get_json()["partners"]
    assert health["status"] == "error" and health["count"] == 1
    assert "partners.yaml:" in health["problem"] and "YAML syntax error" in health["problem"]
    assert any("partners file not loaded" in r.getMessage() for r in caplog.records)
    _touch_with(path, PARTNERS)                                                 # fixed: back to ok
    assert client.get("/healthz").get_json()["partners"] == {"status": "ok", "count": 1}


@pytest.mark.parametrize("text, fragment", [
    ('partners:\n  x:\n    origins: ["https://a.example/"]\n',
     "3: error: partner 'x': 'https://a.example/' is not an origin"),
    ('partners:\n  x:\n    origins: ["https://a.example"]\n    accent: red\n', "4: error: partner 'x': accent"),
    ('partners:\n  x:\n    origins: ["https://a.example"]\n    lang: fr\n', "4: error: partner 'x': lang"),
    ('partners:\n  "bad key!":\n    origins: ["https://a.example"]\n', "2: error: partner key"),
    ('partners: [1, 2]\n', "1: error: the file needs"),
])
def test_partner_file_problems_name_the_line(tmp_path, text, fragment):
    from helpdesk.partners import check_partners

    path = tmp_path / "partners.yaml"
    path.write_text(text)
    _, problems = check_partners(path)
    assert any(fragment in str(p) for p in problems), [str(p) for p in problems]


def test_kb_check_also_checks_the_partners_file(fixture_kb_dir, tmp_path):
    from .conftest import make_app

    path = tmp_path / "partners.yaml"
    path.write_text('partners:\n  x:\n    origins: ["ftp://a.example"]\n')
    app = make_app(fixture_kb_dir, tmp_path / "ix", PARTNERS_FILE=path)
    result = app.test_cli_runner().invoke(args=["kb", "check"])
    assert result.exit_code == 1
    assert f"{path}:3: error: partner 'x'" in result.output


def test_committed_partners_file_is_valid_and_has_a_localhost_key():
    from helpdesk.config import ROOT
    from helpdesk.partners import check_partners

    partners, problems = check_partners(ROOT / "config" / "partners.yaml")
    assert problems == []
    assert "http://localhost:3000" in partners["localhost"]["origins"]
