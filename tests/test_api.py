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
