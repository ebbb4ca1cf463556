"""The service as started by scripts/serve (gunicorn, config/gunicorn.conf.py, 2 workers) under attack.

- a corpus of more than 1,000 hostile requests over every route: no 5xx, none slower than 2 s;
- 20 clients that stall mid-request: others are answered within 1 s, the stalled ones are closed
  within a few seconds;
- one address cannot get more answers than the configured rate from the two workers together.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import pytest

from helpdesk.indexing import build_index
from helpdesk.knowledge import load_valid_knowledge

from .conftest import FIXTURE_KB
from .serverutil import request, running_server

HOSTILE_TEXTS = [
    "", " ", "\t\n", "a" * 500, "a" * 501, "経" * 500, "経" * 501, "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "{{7*7}}", "${jndi:ldap://x}", "' OR 1=1 --",
    "keishin AND NOT kankouju", "title:keishin OR q_en:*", "*", "?", "~", "keis*", "\"unclosed", "(((", "[TO]",
    "\u202eevil\u202c", "\u200b\u200b\u200b", "e\u0301" * 200, "\ufeffkeishin", "🇯🇵🏗️" * 50, "\x00",
    "\x1b[31mred", "ｋｅｉｓｈｉｎ", "ｹｲｼﾝ", "けいしん", "経審の有効期間は？", "%00", "../../etc/passwd",
    "\ud800", "A\u0000B", "\r\nSet-Cookie: x=1", "𠮷野家", "ＡＮＤ ＯＲ", "keishin " * 60,
]
RAW_QUERY_PARTS = ["%ED%A0%80", "%C0%AF", "%FF%FE", "%", "%%", "%zz", "%E3%81", "&&&", "q=%00", "=", "q"]
LANGS = [None, "en", "ja", "fr", "", "EN", "<b>", "%00"]
PATHS = ["/", "/widget", "/centres", "/glossary", "/agencies", "/calculator", "/embed", "/healthz",
         "/data/knowledge.json", "/data/glossary.csv", "/data/centres.csv", "/staff/", "/staff/login",
         "/staff/gaps.csv?days=abc", "/staff/login?next=//evil.example", "/feedback",
         "/entry/keishin-what-is", "/entry/..%2f..%2fetc%2fpasswd", "/entry/%00", "/%5Cevil.example",
         "//evil.example", "/static/..%2fwsgi.py", "/static/%2e%2e/wsgi.py", "/embed.js", "/widget/theme.css",
         "/api/openapi.json", "/api/centres", "/api/nothing", "/" + "a" * 3000]
JSON_BODIES = [
    b"", b"{", b"[]", b"null", b"1e999999", b"\"x\"", b'{"q": 1}', b'{"q": "' + b"x" * 600 + b'"}',
    b"[" * 5000 + b"]" * 5000, b'{"a":' * 100 + b"1" + b"}" * 100, b"\xff\xfe\x00", b'{"q": "\\ud800"}',
    b'{"standard_screening_day": "9999-99-99"}', b'{"standard_screening_day": "2025-02-30"}',
    b'{"industries": [{"completed_works": 1e-99999999}]}', b'{"equity": "1e-99999999"}',
    b'{"equity": ' + b"9" * 5000 + b"}", b'{"y": {"indicators": {"x8": "NaN"}}}', b"NaN", b"Infinity",
]
FORM_VALUES = ["1e-99999999", "1E+99999999", "9" * 3000, "abc", "-", "1,000,000,000,000,000", "１２３",
               "NaN", "Infinity", "0x10", "<script>", "2025-02-30", "0000-00-00"]


def corpus() -> list[tuple[str, str, bytes | None, dict]]:
    """(method, path, body, headers) — every route, hostile values in every place they are read."""
    out = []
    for text in HOSTILE_TEXTS:
        for lang in LANGS[:4]:
            params = {"q": text} if lang is None else {"q": text, "lang": lang}
            query = urllib.parse.urlencode(params, errors="surrogatepass")
            for path in ("/api/ask", "/", "/widget"):
                out.append(("GET", f"{path}?{query}", None, {}))
        query = urllib.parse.urlencode({"q": text}, errors="surrogatepass")
        for path in ("/centres", "/glossary", "/api/centres", "/?fragment=1&partner=x&origin=https://evil.example"):
            out.append(("GET", f"{path}{'&' if '?' in path else '?'}{query}", None, {}))
        body = json.dumps({"q": text}).encode()
        out.append(("POST", "/api/ask", body, {"Content-Type": "application/json"}))
    for part in RAW_QUERY_PARTS:
        for path in ("/api/ask", "/", "/widget", "/centres", "/api/centres", "/glossary"):
            out.append(("GET", f"{path}?q={part}", None, {}))
            out.append(("GET", f"{path}?{part}", None, {}))
    for lang in LANGS:
        for path in PATHS:
            suffix = "" if lang is None else ("&" if "?" in path else "?") + f"lang={lang}"
            out.append(("GET", path + suffix, None, {}))
            out.append(("GET", path + suffix, None, {"Accept-Language": "xx;q=abc, ja;q=2, *;q=-1"}))
    for body in JSON_BODIES + [b'{"ask_id": "' + b"A" * 22 + b'", "helpful": true}', b'{"ask_id": 1, "helpful": 0}',
                               b'{"ask_id": "x", "helpful": true, "comment": "' + b"c" * 2000 + b'"}']:
        for path in ("/api/ask", "/api/keishin", "/api/keishin/validity", "/api/feedback"):
            for ctype in ("application/json", "text/plain", "application/json; charset=latin-1"):
                out.append(("POST", path, body, {"Content-Type": ctype}))
    fields = ["y_x8", "equity", "ebitda", "ind0_completed_works", "ind0_g1", "w_years_in_business",
              "review_date", "fin_sales"]
    for field in fields:
        for value in FORM_VALUES:
            form = {"review_date": "2025-03-31", "ind0_name": "土木一式", "ind0_completed_works": "300000",
                    "ind0_prime_completed_works": "200000", "equity": "80000", "ebitda": "30000",
                    "y_mode": "financials" if field.startswith("fin_") else "indicators", field: value}
            out.append(("POST", "/calculator", urllib.parse.urlencode(form).encode(),
                        {"Content-Type": "application/x-www-form-urlencoded"}))
    for value in FORM_VALUES:
        out.append(("POST", "/calculator/validity", urllib.parse.urlencode({"standard_screening_day": value}).encode(),
                    {"Content-Type": "application/x-www-form-urlencoded"}))
    for form in ({"ask_id": "A" * 22, "helpful": "yes"}, {"ask_id": "<script>", "helpful": "maybe"}, {},
                 {"name": "admin", "password": "' OR 1=1 --"}, {"name": "x" * 5000, "password": "", "csrf_token": "x"}):
        for path in ("/feedback", "/staff/login", "/staff/logout"):
            out.append(("POST", path, urllib.parse.urlencode(form).encode(),
                        {"Content-Type": "application/x-www-form-urlencoded"}))
    big = b"q=" + b"a" * 70_000
    for path in ("/", "/widget", "/calculator", "/calculator/validity", "/api/ask", "/api/keishin", "/feedback",
                 "/api/feedback", "/staff/login"):
        out.append(("POST", path, big, {"Content-Type": "application/x-www-form-urlencoded"}))
        out.append(("POST", path, b"--x\r\n", {"Content-Type": "multipart/form-data; boundary=x"}))
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"):
        for path in ("/", "/api/ask", "/api/keishin", "/calculator"):
            out.append((method, path, b"x", {}))
    for headers in ({"Host": "evil.example"}, {"X-Forwarded-For": "1.2.3.4, <script>"}, {"Cookie": "a" * 4000},
                    {"Content-Length": "-1"}, {"Transfer-Encoding": "chunked"}, {"Range": "bytes=0-1,1-2"}):
        for path in ("/embed", "/api/ask?q=keishin", "/calculator"):
            out.append(("GET", path, None, headers))
    return out


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    target = tmp_path_factory.mktemp("serving-ix")
    build_index(load_valid_knowledge(FIXTURE_KB), target)
    return target


def test_hostile_corpus_gets_no_server_error_and_no_slow_answer(index_dir, tmp_path):
    requests = corpus()
    assert len(requests) >= 1000
    results = []

    def send(item):
        method, path, body, headers = item
        started = time.perf_counter()
        try:
            status, _, _ = request(port, method, path, body=body, headers=headers, timeout=10)
        except OSError as exc:   # a refused or reset connection would be a failure too
            status = f"error {exc!r}"
        results.append((time.perf_counter() - started, status, method, path[:120]))

    log_path = tmp_path / "gunicorn.log"
    with running_server(index_dir, FIXTURE_KB, log_path, HELPDESK_RATELIMIT_ENABLED="0") as port, \
            ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(send, requests))
    server_errors = [r for r in results if not isinstance(r[1], int) or r[1] >= 500]
    slow = [r for r in results if r[0] >= 2.0]
    slowest = max(r[0] for r in results)
    print(f"\nhostile corpus: {len(results)} requests, 5xx/failed {len(server_errors)}, slowest {slowest:.3f} s, "
          f"statuses {sorted({r[1] for r in results if isinstance(r[1], int)})}")
    assert server_errors == [], server_errors[:20]
    assert slow == []
    log = (tmp_path / "gunicorn.log").read_text(errors="replace")
    assert "Traceback" not in log
    access = [line for line in log.splitlines() if '"GET /' in line or '"POST /' in line]
    assert len(access) > 1000
    assert not any("127.0.0.1" in line or "?" in line for line in access)   # no address, no question


def test_stalled_clients_do_not_stop_others(index_dir, tmp_path):
    with running_server(index_dir, FIXTURE_KB, tmp_path / "gunicorn.log", HELPDESK_RATELIMIT_ENABLED="0") as port:
        stalled, opened_at = [], []
        for i in range(20):
            s = socket.create_connection(("127.0.0.1", port))
            if i % 3 == 2:   # a whole request, then the client never reads or closes its end
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            elif i % 3:      # headers begun, never finished
                s.sendall(b"GET /api/ask?q=keishin HTTP/1.1\r\nHost: x\r\n")
            else:            # headers complete, body promised and never sent
                s.sendall(b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"Content-Length: 100\r\n\r\n{")
            stalled.append(s)
            opened_at.append(time.monotonic())
        # Others keep asking while the stalled clients wait and while they are being closed.
        latencies, statuses, stop = [], [], threading.Event()

        def others():
            paths = ["/healthz", "/api/ask?q=keishin", "/?q=keishin", "/calculator"]
            while not stop.is_set():
                started = time.perf_counter()
                statuses.append(request(port, "GET", paths[len(latencies) % 4], timeout=5)[0])
                latencies.append(time.perf_counter() - started)
                time.sleep(0.02)

        asker = threading.Thread(target=others)
        asker.start()
        closed_after = []

        replies = {}

        def wait_closed(i, s, t0):
            s.settimeout(15)
            data = b""
            try:
                while chunk := s.recv(4096):
                    data += chunk
            except OSError:
                pass
            closed_after.append(time.monotonic() - t0)
            replies[i] = data

        threads = [threading.Thread(target=wait_closed, args=(i, s, t))
                   for i, (s, t) in enumerate(zip(stalled, opened_at, strict=True))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for s in stalled:
            s.close()
        time.sleep(0.5)
        stop.set()
        asker.join()
        print(f"\nwith 20 stalled clients: {len(latencies)} other requests, slowest {max(latencies) * 1000:.1f} ms; "
              f"stalled connections closed after {min(closed_after):.1f}–{max(closed_after):.1f} s")
        assert set(statuses) == {200}
        # The promised body never came: a 408 with a message, then the connection is closed.
        assert all(replies[i].startswith(b"HTTP/1.1 408") for i in range(0, 20, 3)), replies
        assert all(replies[i].startswith(b"HTTP/1.1 200") for i in range(2, 20, 3))
        assert max(latencies) < 1.0
        assert max(closed_after) < 8.0


def test_one_address_gets_at_most_the_configured_rate_from_two_workers(index_dir, tmp_path):
    limit = 12
    with running_server(index_dir, FIXTURE_KB, tmp_path / "gunicorn.log",
                        HELPDESK_RATELIMIT_ASK=f"{limit} per minute") as port:
        form = urllib.parse.urlencode({"standard_screening_day": "2025-03-31"}).encode()
        routes = [("GET", "/api/ask?q=keishin", None, {}), ("GET", "/?q=keishin", None, {}),
                  ("GET", "/widget?q=keishin", None, {}), ("GET", "/?q=keishin&fragment=1", None, {}),
                  ("POST", "/calculator/validity", form, {"Content-Type": "application/x-www-form-urlencoded"}),
                  ("POST", "/api/keishin/validity", b'{"standard_screening_day": "2025-03-31"}',
                   {"Content-Type": "application/json"})]
        statuses = []

        def send(item):
            method, path, body, headers = item
            statuses.append(request(port, method, path, body=body, headers=headers)[0])

        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(send, routes * 15))
        answered = statuses.count(200)
        print(f"\nrate limit {limit}/minute, 2 workers, {len(statuses)} requests: {answered} answered, "
              f"{statuses.count(429)} refused")
        assert set(statuses) <= {200, 429}
        assert 1 <= answered <= limit


def test_long_japanese_question_by_url_and_no_control_socket(index_dir, tmp_path):
    """500 Japanese characters are ~4,500 bytes URL-encoded: over gunicorn's default request line."""
    home = tmp_path / "home"
    home.mkdir()
    question = "経営事項審査の有効期間について" * 34
    question = question[:500]
    path = "/api/ask?" + urllib.parse.urlencode({"q": question})
    assert len(path) > 4094
    with running_server(index_dir, FIXTURE_KB, tmp_path / "gunicorn.log", HOME=str(home),
                        XDG_RUNTIME_DIR=str(home / "run")) as port:
        status, body, _ = request(port, "GET", path)
        too_long = request(port, "GET", "/api/ask?" + urllib.parse.urlencode({"q": question + "経"}))
    assert status == 200 and json.loads(body)["query"] == question
    assert too_long[0] == 400 and b"too long" in too_long[1]
    assert list(home.rglob("*")) == []      # no control socket (nor anything else) under the home folder
