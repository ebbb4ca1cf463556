"""The loop on real visitor questions: draw recorded questions for labelling, measure a labelled set.

`kb sample-questions` turns the question log into a set for staff to label; `kb measure` answers
a labelled set without recording it and prints figures computed from what it names.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml
from sqlalchemy import update

from helpdesk.evaluation import draw_sample
from helpdesk.indexing import build_index
from helpdesk.knowledge import load_valid_knowledge
from helpdesk.questionlog import questions, utcnow

from .conftest import make_app


@pytest.fixture(scope="module")
def index_dir(fixture_kb_dir, tmp_path_factory):
    target = tmp_path_factory.mktemp("measure-ix")
    build_index(load_valid_knowledge(fixture_kb_dir), target)
    return target


@pytest.fixture()
def app(fixture_kb_dir, index_dir, tmp_path):
    app = make_app(fixture_kb_dir, index_dir, DATABASE_URL=f"sqlite:///{tmp_path / 'helpdesk.sqlite3'}",
                   INSTANCE_DIR=tmp_path / "instance")
    yield app
    app.extensions["question_log"].dispose()


def ask_all(app, texts):
    client = app.test_client()
    for text in texts:
        assert client.get("/api/ask", query_string={"q": text}).status_code == 200


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


VISITOR_QUESTIONS = [
    "what is KEISHIN ??", "What is keishin?", "How long is the keishin result valid?",
    "What is kankouju?", "Where is the consultancy desk in Osaka?", "Can I rent a boat?",
    "Please call me back on +33 6 12 34 56 78 about keishin", "Write to jan@example.eu about kankouju",
    "経審とは何ですか", "官公需とは", "経審の有効期間は？",
]


def test_sample_draws_distinct_unlabelled_questions_per_language(app, tmp_path):
    ask_all(app, VISITOR_QUESTIONS)
    labelled = tmp_path / "sets"
    labelled.mkdir()
    (labelled / "dev.yaml").write_text('- {q: "What is kankouju?", lang: en, topic: kankouju}\n', encoding="utf-8")
    out = tmp_path / "sample.yaml"
    result = invoke(app, "kb", "sample-questions", "--out", str(out), "--per-language", "3", "--seed", "7",
                    "--exclude", str(labelled))
    assert result.exit_code == 0, result.output
    items = yaml.safe_load(out.read_text(encoding="utf-8"))
    english = [i["q"] for i in items if i["lang"] == "en"]
    japanese = [i["q"] for i in items if i["lang"] == "ja"]
    # 8 English asks: one repeats (case, punctuation; the latest wording is kept), one is already
    # labelled, two hold contact details
    assert len(english) == 3 and len(japanese) == 3
    assert set(english) <= {"What is keishin?", "How long is the keishin result valid?",
                            "Where is the consultancy desk in Osaka?", "Can I rent a boat?"}
    assert not any("@" in q or "+33" in q for q in english + japanese)
    assert all(i["topic"] is None and i["fact"] is None and i["src"].startswith("visitor question") for i in items)
    header = out.read_text(encoding="utf-8").splitlines()[:2]
    assert "seed 7" in header[0]
    assert "11 asked, 10 distinct" in header[1] and "1 already in a question set" in header[1]
    assert "2 holding an e-mail address or phone number" in header[1] and "3 en of 4, 3 ja of 3" in header[1]
    # the same seed draws the same questions; the file is never overwritten
    again = tmp_path / "again.yaml"
    invoke(app, "kb", "sample-questions", "--out", str(again), "--per-language", "3", "--seed", "7",
           "--exclude", str(labelled))
    assert yaml.safe_load(again.read_text(encoding="utf-8")) == items
    refused = invoke(app, "kb", "sample-questions", "--out", str(out))
    assert refused.exit_code == 1 and "exists" in refused.output


def test_sample_reads_only_the_period_asked(app, tmp_path):
    ask_all(app, ["What is keishin?", "What is kankouju?"])
    qlog = app.extensions["question_log"]
    with qlog.engine.begin() as connection:
        connection.execute(update(questions).where(questions.c.question == "What is kankouju?")
                           .values(asked_at=utcnow() - dt.timedelta(days=40)))
    out = tmp_path / "s.yaml"
    assert invoke(app, "kb", "sample-questions", "--out", str(out), "--days", "30",
                  "--exclude", str(tmp_path)).exit_code == 0
    assert [i["q"] for i in yaml.safe_load(out.read_text(encoding="utf-8"))] == ["What is keishin?"]


def test_draw_keeps_the_latest_wording_and_is_uniform_over_distinct_questions():
    now = utcnow()
    rows = [{"question_key": "what is keishin", "question": "what is keishin", "question_lang": "en",
             "asked_at": now - dt.timedelta(hours=2)}] * 50 + [
        {"question_key": "what is keishin", "question": "What is keishin?", "question_lang": "en", "asked_at": now},
        {"question_key": "what is kankouju", "question": "What is kankouju?", "question_lang": "en", "asked_at": now}]
    sample, counts = draw_sample(rows, 2, seed=1, known_keys=set())
    assert sorted(i["q"] for i in sample) == ["What is kankouju?", "What is keishin?"]
    assert counts["asked"] == 52 and counts["distinct"] == 2 and counts["drawn"] == {"en": 2, "ja": 0}


LABELLED = """\
- {q: "What is keishin?", lang: en, topic: keishin, fact: "Business Matters Evaluation|経営事項審査"}
- {q: "How long is the keishin result valid?", lang: en, topic: keishin, fact: "1 year and 7 months|1年7か月"}
- {q: "What is keishin?", lang: en, topic: kankouju, fact: "reserves public orders"}
- {q: "Can I rent a boat?", lang: en, answered: false}
- {q: "経審とは何ですか", lang: ja, topic: keishin}
"""


def test_measure_prints_figures_computed_from_the_answers_and_records_nothing(app, tmp_path):
    labelled = tmp_path / "holdout.yaml"
    labelled.write_text(LABELLED, encoding="utf-8")
    result = invoke(app, "kb", "measure", str(labelled), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    en, ja = report["figures"]["en"], report["figures"]["ja"]
    # the third item is labelled with the wrong topic on purpose: the figures must count it as a miss
    assert (en["on_topic"], en["topic_ok"], en["fact_n"], en["fact_ok"]) == (3, 2, 3, 2)
    assert (en["off_topic"], en["declined"]) == (1, 1)
    assert (ja["on_topic"], ja["topic_ok"], ja["fact_n"]) == (1, 1, 0)
    assert [m["q"] for m in report["misses"]] == ["What is keishin?"]
    assert report["misses"][0]["shown"][0] == "keishin-what-is"
    plain = invoke(app, "kb", "measure", str(labelled), "--misses")
    assert "en: topic@1 2/3 = 66.7 % · fact@3 2/3 = 66.7 % · off-topic declined 1/1 = 100.0 %" in plain.output
    assert "ja: topic@1 1/1 = 100.0 % · fact@3 - ·" in plain.output
    assert "MISS [en] 'What is keishin?': expected kankouju (wrong topic) (fact not in the top 3)" in plain.output
    # measuring is not visiting: the staff's question log stays empty
    assert app.extensions["question_log"].questions_since(days=1) == []


@pytest.mark.parametrize("content, line, message", [
    ('- {q: "What is keishin?", lang: en, topic: , fact: }\n', 1, "not labelled"),
    ('- {q: "a", lang: en, topic: keishin}\n- {q: "b", lang: fr, topic: keishin}\n', 2, "'lang' must be en or ja"),
    ('- {q: "a", lang: en, topic: tax}\n', 1, "'topic' must be one of"),
    ('- {q: "a", lang: en, topic: keishin, fact: "(unclosed"}\n', 1, "not a valid regular expression"),
    ('- {q: "a", lang: en, answered: false, topic: keishin}\n', 1, "has no 'topic'"),
    ('- {lang: en, topic: keishin}\n', 1, "needs 'q'"),
    ('- {q: "a", lang: en, topic: [keishin\n', 1, "YAML syntax error"),
    ('q: just one mapping\n', 1, "a YAML list of items"),
])
def test_measure_refuses_a_set_with_problems_and_names_file_and_line(app, tmp_path, content, line, message):
    broken = tmp_path / "labelled.yaml"
    broken.write_text(content, encoding="utf-8")
    result = invoke(app, "kb", "measure", str(broken))
    assert result.exit_code == 1
    assert f"{broken}:{line}: error: " in result.output and message in result.output
    assert "Nothing measured" in result.output and "topic@1" not in result.output


def test_measure_names_a_missing_file(app, tmp_path):
    result = invoke(app, "kb", "measure", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1 and "nope.yaml:1: error: cannot read the file" in result.output
