"""Hostile and faulty conditions, in-process: each case from the hardening issue, injected.

Server-level cases (stalled clients, limits across gunicorn workers, the hostile corpus against
a server started the README's way) are in test_serving.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpdesk.indexing import (
    MANIFEST,
    POINTER,
    CorruptGeneration,
    build_index,
    current_generation,
    open_generation,
    switch_to,
)
from helpdesk.knowledge import load_valid_knowledge
from helpdesk.store import EngineStore
from helpdesk.web.limits import worker_share
from helpdesk.web.requestdata import json_depth

from .conftest import ROOT, make_app

CALC_FORM = {"review_date": "2025-03-31", "ind0_name": "土木一式", "ind0_completed_works": "300000",
             "ind0_prime_completed_works": "200000", "ind0_g1": "1", "equity": "80000", "ebitda": "30000",
             "y_mode": "indicators", "y_x1": "1", "y_x2": "5", "y_x3": "30", "y_x4": "2", "y_x5": "150",
             "y_x6": "30", "y_x7": "0.5", "y_x8": "1"}
CALC_JSON = {"review_date": "2025-03-31",
             "industries": [{"name": "土木一式", "completed_works": 300000, "prime_completed_works": 200000,
                             "staff": {"g1": 1}}],
             "equity": 80000, "ebitda": 30000,
             "y": {"indicators": {"x1": 1, "x2": 5, "x3": 30, "x4": 2, "x5": 150, "x6": 30, "x7": 0.5, "x8": 1}}}


# ---------------------------------------------------------------- numbers that would pin a worker

@pytest.mark.parametrize("value", ["1e-99999999", "1E+99999999", "0.%s1" % ("0" * 5000), "9" * 60000,
                                   "-1e-1000000", "１ｅ－９９９９９９９"])
def test_calculator_form_rejects_absurd_numbers_at_once(client, value):
    started = time.perf_counter()
    response = client.post("/calculator", data={**CALC_FORM, "y_x8": value})
    assert time.perf_counter() - started < 2.0   # minutes before the bounds; milliseconds now
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="y_x8"' in page and ("decimal places" in page or "too long" in page or "too large" in page
                                    or "digits" in page)


@pytest.mark.parametrize("literal,expected", [
    ("1e-99999999", 200),     # JSON reads it as the binary float 0.0: exact, small, computed
    ("1e999999", 400),        # Infinity as a float: refused
    ("9" * 5000, 400),        # beyond Python's integer-text limit: not valid JSON
    ("1" + "0" * 30, 400),    # too large
    ('"1e-99999999"', 400),   # text is not a number
])
def test_keishin_api_bounds_numbers_quickly(client, literal, expected):
    body = json.dumps(CALC_JSON).replace('"x8": 1}', f'"x8": {literal}}}')
    assert literal in body
    started = time.perf_counter()
    response = client.post("/api/keishin", data=body, content_type="application/json")
    assert time.perf_counter() - started < 2.0   # minutes before the bounds; milliseconds now
    assert response.status_code == expected
    if expected == 400:
        assert response.get_json()["field"] in ("y.indicators.x8", "body")


# ---------------------------------------------------------------- bodies and JSON

@pytest.mark.parametrize("path", ["/", "/widget", "/calculator", "/calculator/validity", "/api/ask",
                                  "/api/keishin", "/api/keishin/validity"])
def test_oversized_post_is_413_with_message(client, path):
    if path.startswith("/api/"):
        response = client.post(path, json={"q": "a" * 70_000, "lang": "ja"})
    else:
        response = client.post(path, data={"q": "a" * 70_000, "lang": "ja"})
    expected = 405 if path in ("/", "/widget") else 413
    assert response.status_code == expected
    if expected == 413:
        assert "too large" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/keishin", "/api/keishin/validity", "/api/ask"])
@pytest.mark.parametrize("depth", [17, 1_000, 30_000])
def test_deep_json_is_400(client, path, depth):
    response = client.post(path, data="[" * depth + "]" * depth, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.get_data(as_text=True)


def test_lone_surrogates_are_400_not_500(client):
    for path, body in (("/api/ask", '{"q": "keishin \\ud800"}'), ("/api/feedback", '{"ask_id": "' + "A" * 22 +
                                                                    '", "helpful": true, "comment": "x\\udc00"}')):
        response = client.post(path, data=body, content_type="application/json")
        assert response.status_code == 400 and "cannot be processed" in response.get_json()["error"], path


def test_json_depth_ignores_brackets_in_strings():
    assert json_depth('{"a": "[[[[{{{{", "b": [1, [2]]}') == 3
    assert json_depth('"\\"[[["') == 0


@pytest.mark.parametrize("body,content_type", [
    (b"\xff\xfe{", "application/json"), (b'{"q": "x"', "application/json"), (b"", "application/json"),
    (b"NaN", "application/json"), (b'{"q": "x"}', "text/plain"),
])
def test_malformed_bodies_are_400(client, body, content_type):
    for path in ("/api/ask", "/api/keishin", "/api/keishin/validity"):
        response = client.post(path, data=body, content_type=content_type)
        assert response.status_code == 400, (path, body)
        assert response.get_json()["error"]


# ---------------------------------------------------------------- links and addresses

def test_404_language_link_cannot_point_to_another_site(client):
    page = client.get("/%5Cevil.example").get_data(as_text=True)
    assert "evil.example/?" not in page and 'href="/\\evil' not in page
    assert 'href="?lang=' in page


def test_embed_snippet_uses_configured_address_not_host_header(fixture_kb_dir, tmp_path):
    app = make_app(fixture_kb_dir, tmp_path / "ix", PUBLIC_URL="https://helpdesk.example.eu")
    page = app.test_client().get("/embed", headers={"Host": "attacker.example"})
    text = page.get_data(as_text=True)
    assert "https://helpdesk.example.eu/widget?partner=" in text and "attacker.example" not in text


def test_hsts_only_when_public_address_is_https(fixture_kb_dir, tmp_path):
    https = make_app(fixture_kb_dir, tmp_path / "a", PUBLIC_URL="https://helpdesk.example.eu")
    plain = make_app(fixture_kb_dir, tmp_path / "b", PUBLIC_URL="http://127.0.0.1:8000")
    assert "max-age" in https.test_client().get("/embed").headers["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in plain.test_client().get("/embed").headers


# ---------------------------------------------------------------- rate limits

def test_worker_share_never_exceeds_the_configured_limit():
    assert worker_share("20 per second;600 per minute", 2) == "10 per 1 second;300 per 1 minute"
    assert worker_share("3 per minute", 4) == "1 per 1 minute"
    assert worker_share("20 per second", 1) == "20 per second"


def _limited_app(fixture_kb_dir, index_dir, **extra):
    build_index(load_valid_knowledge(fixture_kb_dir), index_dir)
    return make_app(fixture_kb_dir, index_dir, RATELIMIT_ENABLED=True, RATELIMIT_ASK="4 per minute", **extra)


def test_one_budget_for_every_answering_route(fixture_kb_dir, tmp_path):
    client = _limited_app(fixture_kb_dir, tmp_path / "ix").test_client()
    answered = [
        client.get("/api/ask", query_string={"q": "keishin"}).status_code,
        client.get("/", query_string={"q": "keishin"}).status_code,
        client.get("/widget", query_string={"q": "keishin"}).status_code,
        client.post("/calculator", data=CALC_FORM).status_code,
    ]
    assert answered == [200, 200, 200, 200]
    refused = [
        client.get("/api/ask", query_string={"q": "keishin"}),
        client.get("/", query_string={"q": "keishin", "fragment": "1"}),
        client.get("/widget", query_string={"q": "keishin"}),
        client.post("/api/keishin", json=CALC_JSON),
        client.post("/calculator/validity", data={"standard_screening_day": "2025-03-31"}),
        client.get("/centres", query_string={"q": "Osaka"}),
    ]
    for response in refused:
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) >= 1
        text = response.get_json()["error"] if response.is_json else response.get_data(as_text=True)
        assert "Too many requests" in text and "お試しください" in text
    # Pages without a question are not answering and stay reachable.
    assert client.get("/").status_code == 200 and client.get("/calculator").status_code == 200


def test_memory_limit_is_split_between_workers(fixture_kb_dir, tmp_path):
    app = _limited_app(fixture_kb_dir, tmp_path / "ix", WORKERS=2)
    client = app.test_client()
    codes = [client.get("/api/ask", query_string={"q": "keishin"}).status_code for _ in range(4)]
    assert codes == [200, 200, 429, 429]   # this worker's share of 4 per minute is 2


def test_proxy_headers_only_when_trusted(fixture_kb_dir, tmp_path):
    trusting = _limited_app(fixture_kb_dir, tmp_path / "a", TRUSTED_PROXIES=1).test_client()
    for i in range(6):   # six users behind one proxy: each has its own budget
        headers = {"X-Forwarded-For": f"198.51.100.{i}"}
        assert trusting.get("/api/ask", query_string={"q": "keishin"}, headers=headers).status_code == 200
    naive = _limited_app(fixture_kb_dir, tmp_path / "b").test_client()
    codes = [naive.get("/api/ask", query_string={"q": "keishin"}, headers={"X-Forwarded-For": f"198.51.100.{i}"})
             .status_code for i in range(6)]
    assert codes.count(429) == 2   # a spoofed header does not buy a new budget


# ---------------------------------------------------------------- index faults

@pytest.fixture()
def two_generations(fixture_kb_dir, tmp_path):
    """Two generations of different knowledge (an edited entry), the newer one served."""
    index_dir = tmp_path / "ix"
    older = build_index(load_valid_knowledge(fixture_kb_dir), index_dir)
    edited = tmp_path / "kb"
    shutil.copytree(fixture_kb_dir, edited)
    about = edited / "entries" / "general" / "general-about-assistant.md"
    about.write_text(about.read_text(encoding="utf-8").replace("Who are you?", "Who are you, really?"),
                     encoding="utf-8")
    newer = build_index(load_valid_knowledge(edited), index_dir)
    assert older != newer
    return index_dir, older, newer


def test_generation_name_comes_from_the_content(fixture_kb_dir, tmp_path):
    """Two machines building the same knowledge serve the same generation name."""
    first = build_index(load_valid_knowledge(fixture_kb_dir), tmp_path / "node-a")
    second = build_index(load_valid_knowledge(fixture_kb_dir), tmp_path / "node-b")
    assert first.name == second.name and re.fullmatch(r"gen-[0-9a-f]{16}", first.name)
    again = build_index(load_valid_knowledge(fixture_kb_dir), tmp_path / "node-a")
    assert again == first and current_generation(tmp_path / "node-a") == first.name


def test_generation_files_are_readable_by_other_users(two_generations):
    index_dir, _older, newer = two_generations
    old_umask = os.umask(0o022)
    os.umask(old_umask)
    assert (newer.stat().st_mode & 0o777) == (0o777 & ~old_umask)
    assert ((index_dir / POINTER).stat().st_mode & 0o777) == (0o666 & ~old_umask)
    for path in newer.iterdir():
        assert path.stat().st_mode & 0o044 == 0o044 & ~old_umask, path


def test_damaged_file_is_detected_by_checksum(two_generations):
    index_dir, _older, newer = two_generations
    segment = next(p for p in newer.iterdir() if p.suffix == ".seg")
    segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])   # truncated
    with pytest.raises(CorruptGeneration, match="checksum"):
        open_generation(index_dir, newer.name)


def test_fresh_worker_falls_back_to_newest_intact_generation(two_generations, fixture_kb_dir, caplog):
    index_dir, older, newer = two_generations
    segment = next(p for p in newer.iterdir() if p.suffix == ".seg")
    segment.write_bytes(segment.read_bytes()[:100])
    client = make_app(fixture_kb_dir, index_dir).test_client()
    assert client.get("/api/ask", query_string={"q": "keishin"}).status_code == 200
    health = client.get("/healthz").get_json()
    assert health["generation"] == older.name and health["pointer"] == newer.name and health["fallback"] is True
    assert any("instead of" in r.getMessage() for r in caplog.records)


def test_running_worker_keeps_last_good_when_new_generation_is_damaged(two_generations, fixture_kb_dir):
    index_dir, older, newer = two_generations
    switch_to(index_dir, older.name)
    app = make_app(fixture_kb_dir, index_dir, INDEX_CHECK_INTERVAL=0)
    client = app.test_client()
    assert client.get("/healthz").get_json()["generation"] == older.name
    (newer / "kb.json").write_text("{}")
    switch_to(index_dir, newer.name)
    assert client.get("/api/ask", query_string={"q": "keishin"}).status_code == 200
    assert client.get("/healthz").get_json()["generation"] == older.name


def test_damage_while_serving_switches_to_intact_generation(two_generations, fixture_kb_dir, monkeypatch):
    index_dir, older, newer = two_generations
    app = make_app(fixture_kb_dir, index_dir, INDEX_CHECK_INTERVAL=3600)
    client = app.test_client()
    store = app.extensions["engine_store"]
    engine = store.current()
    assert engine.generation == newer.name
    (newer / "kb.json").write_text("{}")        # damaged on disk while being served
    import helpdesk.web.asking as asking

    original = asking.decide

    def decide(eng, text):
        if eng is engine:
            raise OSError("read error")
        return original(eng, text)

    monkeypatch.setattr(asking, "decide", decide)
    assert client.get("/api/ask", query_string={"q": "keishin"}).status_code == 200
    assert store.current().generation == older.name


def test_vanished_pointer_fresh_worker_still_serves(two_generations, fixture_kb_dir):
    index_dir, _older, newer = two_generations
    (index_dir / POINTER).unlink()
    client = make_app(fixture_kb_dir, index_dir).test_client()
    assert client.get("/api/ask", query_string={"q": "keishin"}).status_code == 200
    health = client.get("/healthz").get_json()
    assert health["generation"] == newer.name and health["pointer"] is None


def test_no_index_says_how_to_build_it(fixture_kb_dir, tmp_path):
    client = make_app(fixture_kb_dir, tmp_path / "never-built").test_client()
    for path in ("/api/ask?q=keishin", "/?q=keishin", "/centres", "/healthz"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert "kb build" in response.get_data(as_text=True), path
    assert client.get("/healthz").get_json()["status"] == "unavailable"


def _kb_build(env_extra):
    env = dict(os.environ, **env_extra)
    return subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "kb", "build"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_kb_build_on_unwritable_disk_is_one_clear_line(two_generations, fixture_kb_dir, tmp_path):
    index_dir, _older, newer = two_generations
    # A file where the index folder must be created fails like a read-only place does, for root too.
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    result = _kb_build({"HELPDESK_KNOWLEDGE_DIR": str(fixture_kb_dir), "HELPDESK_INDEX_DIR": str(blocked / "ix")})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Not built:" in result.stderr
    assert current_generation(index_dir) == newer.name


def test_kb_build_when_disk_is_full_keeps_old_index(two_generations, fixture_kb_dir, tmp_path, monkeypatch):
    index_dir, _older, newer = two_generations
    changed = tmp_path / "kb-changed"     # knowledge not built yet, so a new generation must be written
    shutil.copytree(fixture_kb_dir, changed)
    about = changed / "entries" / "general" / "general-about-assistant.md"
    about.write_text(about.read_text(encoding="utf-8").replace("Who are you?", "Who is this?"), encoding="utf-8")

    import helpdesk.indexing as indexing

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(index_dir / "kb.json"))

    monkeypatch.setattr(indexing, "write_manifest", full)
    app = make_app(changed, index_dir)
    result = app.test_cli_runner().invoke(args=["kb", "build"])
    assert result.exit_code == 1
    assert "No space left on device" in result.output and "unchanged" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert current_generation(index_dir) == newer.name
    assert not list(index_dir.glob(".building-*"))


def test_generation_without_manifest_is_refused(two_generations):
    index_dir, _older, newer = two_generations
    (newer / MANIFEST).unlink()
    with pytest.raises(CorruptGeneration, match="MANIFEST"):
        open_generation(index_dir, newer.name)


def test_unanswered_log_line_is_bounded_and_single_line(client, caplog):
    caplog.set_level("INFO", logger="helpdesk.unanswered")
    assert client.get("/api/ask", query_string={"q": "zebra\nforged log line " + "x" * 470}).status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "helpdesk.unanswered"]
    assert len(lines) == 1 and "\n" not in lines[0] and len(lines[0]) < 260


def _wait_for_loader(store, timeout=30.0):
    deadline = time.monotonic() + timeout
    while store._loader is not None and store._loader.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_background_switch_keeps_answering_from_the_old_generation_until_the_new_one_is_ready(two_generations):
    """Under gunicorn (background=True) no request loads a generation: the request that notices a
    new pointer gets the old engine at once, a thread loads the new one, later requests get it."""
    index_dir, older, newer = two_generations
    switch_to(index_dir, older.name)
    store = EngineStore(index_dir, check_interval=0, background=True)
    first = store.current()
    assert first.generation == older.name
    store.current()
    assert store._loader is None                       # pointer unchanged: no thread is started
    switch_to(index_dir, newer.name)
    assert store.current() is first                    # noticed, but this request does not wait
    _wait_for_loader(store)
    assert store.current().generation == newer.name and store.fallback is False


def test_background_switch_keeps_the_old_generation_when_the_new_one_is_damaged(two_generations):
    index_dir, older, newer = two_generations
    switch_to(index_dir, older.name)
    store = EngineStore(index_dir, check_interval=0, background=True)
    store.current()
    (newer / "kb.json").write_text("{}")
    switch_to(index_dir, newer.name)
    store.current()
    _wait_for_loader(store)
    assert store.current().generation == older.name and store.fallback is True
    store.current()
    assert not (store._loader and store._loader.is_alive())   # a failed generation is not retried
