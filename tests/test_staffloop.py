"""The staff loop: questions recorded from every channel, feedback, gaps, purge, outage, dashboard.

Every storage test runs on SQLite (the embedded default) and on a real PostgreSQL started by the
test session (tests/databases.py).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading

import pytest
from sqlalchemy import create_engine, select, text, update

from helpdesk.indexing import build_index
from helpdesk.knowledge import load_valid_knowledge
from helpdesk.questionlog import QuestionLog, questions, utcnow

from .conftest import make_app
from .databases import postgres_server, postgres_url  # noqa: F401


@pytest.fixture(scope="module")
def index_dir(fixture_kb_dir, tmp_path_factory):
    target = tmp_path_factory.mktemp("staff-ix")
    build_index(load_valid_knowledge(fixture_kb_dir), target)
    return target


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """A fresh, empty database of each kind: its SQLAlchemy URL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'helpdesk.sqlite3'}"
    url = request.getfixturevalue("postgres_url")
    engine = create_engine(url)
    with engine.begin() as connection:   # empty it: the server lives for the whole session
        connection.execute(text("DROP TABLE IF EXISTS feedback, questions, staff_users, schema_version CASCADE"))
    engine.dispose()
    return url


@pytest.fixture()
def app(fixture_kb_dir, index_dir, database, tmp_path):
    app = make_app(fixture_kb_dir, index_dir, DATABASE_URL=database, INSTANCE_DIR=tmp_path / "instance",
                   WTF_CSRF_ENABLED=True)
    yield app
    app.extensions["question_log"].dispose()


def recorded(app) -> list[dict]:
    return app.extensions["question_log"].questions_since(days=1)


def test_questions_are_recorded_from_api_pages_and_widget(app):
    client = app.test_client()
    api = client.get("/api/ask", query_string={"q": "What is keishin?"}).get_json()
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", api["ask_id"])
    client.post("/api/ask", json={"q": "経審の有効期間は？", "lang": "en"})
    client.get("/", query_string={"q": "Where do I buy a cat?", "lang": "en"})
    client.get("/widget", query_string={"q": "kankouju target", "partner": "demo-chamber", "lang": "ja"})
    rows = recorded(app)
    assert [r["channel"] for r in rows] == ["api", "api", "page", "widget"]
    first, second, third, fourth = rows
    assert first["ask_id"] == api["ask_id"] and first["answered"] and first["top_entry"] == "keishin-what-is"
    assert first["shown"][0] == ["keishin-what-is", api["answers"][0]["score"]]
    assert (second["question_lang"], second["ui_lang"]) == ("ja", "en")
    assert third["answered"] is False and third["shown"] == [] and third["top_entry"] is None
    assert fourth["partner"] == "demo-chamber" and fourth["ui_lang"] == "ja"
    assert all(r["generation"] and r["generation"].startswith("gen-") for r in rows)
    # No column can hold an address or a cookie.
    assert not {"ip", "remote_addr", "address", "cookie", "user_agent"} & set(first)


def test_long_and_odd_questions_are_stored_normalised(app):
    client = app.test_client()
    client.get("/api/ask", query_string={"q": "ＫＥＩＳＨＩＮ \n\t  validity" + " x" * 240})
    row = recorded(app)[-1]
    assert row["question"].startswith("KEISHIN validity x") and len(row["question"]) <= 500
    assert "\n" not in row["question"]


def test_feedback_api(app):
    client = app.test_client()
    ask_id = client.get("/api/ask", query_string={"q": "What is keishin?"}).get_json()["ask_id"]
    assert client.post("/api/feedback", json={"ask_id": ask_id, "helpful": False, "entry_id": "keishin-what-is",
                                              "comment": "I wanted the fee"}).status_code == 204
    vote = recorded(app)[-1]["feedback"][0]
    assert vote == {"ask_id": ask_id, "helpful": False, "entry_id": "keishin-what-is", "comment": "I wanted the fee"}
    unknown = client.post("/api/feedback", json={"ask_id": "A" * 22, "helpful": True})
    assert unknown.status_code == 404 and "ask_id" in unknown.get_json()["error"]
    for body in ({"ask_id": "x", "helpful": True}, {"ask_id": ask_id, "helpful": "yes"}, {"ask_id": ask_id},
                 {"ask_id": ask_id, "helpful": True, "comment": "c" * 1001},
                 {"ask_id": ask_id, "helpful": True, "x": 1}, [ask_id]):
        response = client.post("/api/feedback", json=body)
        assert response.status_code == 400 and response.get_json()["error"], body


def test_feedback_form_without_javascript(app):
    client = app.test_client()
    page = client.get("/", query_string={"q": "What is keishin?", "lang": "en"}).get_data(as_text=True)
    form = re.search(r'<form class="feedback".*?</form>', page, re.S).group(0)
    ask_id = re.search(r'name="ask_id" value="([^"]+)"', form).group(1)
    assert 'value="yes"' in form and 'value="no"' in form and "Did this help?" in page
    yes = client.post("/feedback", data={"ask_id": ask_id, "entry_id": "keishin-what-is", "helpful": "yes",
                                          "lang": "en"})
    assert yes.status_code == 200 and "Thank you" in yes.get_data(as_text=True)
    no = client.post("/feedback", data={"ask_id": ask_id, "entry_id": "keishin-what-is", "helpful": "no",
                                         "lang": "ja"})
    text_ja = no.get_data(as_text=True)
    assert no.status_code == 200 and "ありがとうございました" in text_ja and 'class="contacts"' in text_ja
    assert [v["helpful"] for v in recorded(app)[-1]["feedback"]] == [True, False]
    assert "Set-Cookie" not in no.headers and "Set-Cookie" not in yes.headers


def test_gaps_group_count_and_order(app):
    client = app.test_client()
    for q in ("Where do I buy a cat?", "where do I buy a CAT", "Where do I buy a cat ?!", "What is keishin?",
              "What is keishin?", "Can I rent a boat?"):
        client.get("/api/ask", query_string={"q": q})
    ask_id = client.get("/api/ask", query_string={"q": "What is keishin?"}).get_json()["ask_id"]
    client.post("/api/feedback", json={"ask_id": ask_id, "helpful": False})
    result = app.test_cli_runner().invoke(args=["kb", "gaps", "--days", "7", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)["gaps"]
    assert [(g["count"], g["unanswered"], g["not_helpful"]) for g in found] == [(3, 3, 0), (3, 0, 1), (1, 1, 0)]
    assert found[1]["entry"] == "keishin-what-is" and found[0]["languages"] == ["en"]
    plain = app.test_cli_runner().invoke(args=["kb", "gaps"])
    assert "asked 3×, no answer 3×" in plain.output and "entry shown: keishin-what-is" in plain.output


def test_purge_deletes_old_questions_and_their_feedback(app):
    client = app.test_client()
    old_id = client.get("/api/ask", query_string={"q": "What is keishin?"}).get_json()["ask_id"]
    client.post("/api/feedback", json={"ask_id": old_id, "helpful": True})
    new_id = client.get("/api/ask", query_string={"q": "What is keishin?"}).get_json()["ask_id"]
    qlog = app.extensions["question_log"]
    with qlog.engine.begin() as connection:
        connection.execute(update(questions).where(questions.c.ask_id == old_id)
                           .values(asked_at=utcnow() - dt.timedelta(days=181)))
    result = app.test_cli_runner().invoke(args=["kb", "purge"])
    assert "Deleted 1 question(s) older than 180 days" in result.output
    with qlog.engine.connect() as connection:
        assert [r[0] for r in connection.execute(select(questions.c.ask_id))] == [new_id]
    assert client.post("/api/feedback", json={"ask_id": old_id, "helpful": True}).status_code == 404


def test_database_outage_does_not_fail_answers(fixture_kb_dir, index_dir, postgres_server, tmp_path):  # noqa: F811
    app = make_app(fixture_kb_dir, index_dir, DATABASE_URL=postgres_server.url, INSTANCE_DIR=tmp_path / "i")
    client = app.test_client()
    assert client.get("/api/ask", query_string={"q": "What is keishin?"}).get_json()["ask_id"]
    postgres_server.kill()
    for _ in range(3):
        response = client.get("/api/ask", query_string={"q": "What is keishin?"})
        assert response.status_code == 200 and response.get_json()["answered"] is True
        assert response.get_json()["ask_id"] is None
    assert client.get("/", query_string={"q": "What is keishin?"}).status_code == 200
    feedback = client.post("/api/feedback", json={"ask_id": "A" * 22, "helpful": True})
    assert feedback.status_code == 503
    app.extensions["question_log"].dispose()


def test_unreachable_sqlite_path_does_not_fail_answers(fixture_kb_dir, index_dir, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    app = make_app(fixture_kb_dir, index_dir, DATABASE_URL=f"sqlite:///{blocked}/sub/db.sqlite3")
    response = app.test_client().get("/api/ask", query_string={"q": "What is keishin?"})
    assert response.status_code == 200 and response.get_json()["ask_id"] is None


def test_many_processes_starting_at_once_migrate_once(database):
    """Every worker of every node migrates on its first write; at the same moment on a fresh database."""
    logs = [QuestionLog(database) for _ in range(6)]
    errors = []

    def first_write(qlog):
        try:
            qlog.migrate()
        except Exception as exc:   # the failure this test is about
            errors.append(exc)

    threads = [threading.Thread(target=first_write, args=(qlog,)) for qlog in logs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with logs[0].engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM schema_version")).scalar() == 1
    for qlog in logs:
        qlog.dispose()


def test_migrations_are_recorded_and_idempotent(database):
    qlog = QuestionLog(database)
    assert qlog.migrate() == 1 and qlog.migrate() == 1
    with qlog.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM schema_version")).scalar() == 1
    qlog.dispose()


# ---------------------------------------------------------------- staff dashboard

def add_staff(app, name="aiko", password="correct horse battery"):  # noqa: S107 (a test account)
    result = app.test_cli_runner().invoke(args=["staff", "add", name], input=f"{password}\n{password}\n")
    assert result.exit_code == 0, result.output
    return name, password


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def login(client, name, password):
    page = client.get("/staff/login").get_data(as_text=True)
    return client.post("/staff/login", data={"name": name, "password": password, "csrf_token": csrf_token(page)})


def test_staff_account_password_is_hashed_and_never_echoed(app):
    name, password = add_staff(app)
    stored = app.extensions["question_log"].staff_password_hash(name)
    assert stored and password not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
    short = app.test_cli_runner().invoke(args=["staff", "add", "bob"], input="short\nshort\n")
    assert short.exit_code == 1 and "12 characters" in short.output


def test_dashboard_is_closed_to_anonymous_and_wrong_passwords(app):
    name, password = add_staff(app)
    client = app.test_client()
    for path in ("/staff/", "/staff/gaps.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    wrong = login(client, name, "wrong password!!")
    assert wrong.status_code == 401 and "Wrong name or password" in wrong.get_data(as_text=True)
    nobody = login(client, "nobody", password)
    assert nobody.status_code == 401
    assert client.get("/staff/").status_code == 302


def test_csrf_is_enforced_on_login_and_logout(app):
    name, password = add_staff(app)
    client = app.test_client()
    client.get("/staff/login")
    no_token = client.post("/staff/login", data={"name": name, "password": password})
    assert no_token.status_code == 401 and client.get("/staff/").status_code == 302
    assert login(client, name, password).status_code == 302
    client.post("/staff/logout", data={})            # no token: still signed in
    assert client.get("/staff/").status_code == 200
    page = client.get("/staff/").get_data(as_text=True)
    client.post("/staff/logout", data={"csrf_token": csrf_token(page)})
    assert client.get("/staff/").status_code == 302


def test_dashboard_shows_counts_gaps_and_exports_csv(app):
    name, password = add_staff(app)
    client = app.test_client()
    for q in ("Where do I buy a cat?", "Where do I buy a cat?", "What is keishin?"):
        client.get("/api/ask", query_string={"q": q})
    response = login(client, name, password)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Path=/staff" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    page = client.get("/staff/?lang=en").get_data(as_text=True)
    assert "Questions: 3 · answered: 1 · without an answer: 2 · votes: 0" in page
    assert "Where do I buy a cat?" in page and "<svg" in page
    ja = client.get("/staff/?lang=ja").get_data(as_text=True)
    assert "利用者の質問" in ja
    csv_response = client.get("/staff/gaps.csv?days=7")
    body = csv_response.get_data(as_text=True)
    assert csv_response.mimetype == "text/csv" and body.startswith("\ufeffquestion,count,unanswered")
    assert "Where do I buy a cat?,2,2,0" in body


def test_public_pages_set_no_cookie(app):
    client = app.test_client()
    for path in ("/", "/?q=keishin", "/widget?q=keishin&partner=demo-chamber", "/calculator", "/centres"):
        assert "Set-Cookie" not in client.get(path).headers, path


def test_login_attempts_are_rate_limited(fixture_kb_dir, index_dir, tmp_path):
    app = make_app(fixture_kb_dir, index_dir, INSTANCE_DIR=tmp_path / "i", RATELIMIT_ENABLED=True,
                   RATELIMIT_LOGIN="3 per minute", WTF_CSRF_ENABLED=True)
    client = app.test_client()
    codes = [login(client, "x", "wrong password!!").status_code for _ in range(5)]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]
