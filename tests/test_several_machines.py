"""Several machines, for real: nginx (deploy/nginx-helpdesk.conf) in front of two app nodes that share
Redis (rate limits) and PostgreSQL (recorded questions), all Debian packages started on loopback
ports by the test and stopped after it.

Each node has its own index folder built from the same knowledge, as on separate machines.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from helpdesk.indexing import build_index, current_generation
from helpdesk.knowledge import load_valid_knowledge

from .conftest import FIXTURE_KB
from .databases import start_postgres
from .serverutil import ROOT, kill_server, request, running_nginx, running_redis, running_server

FLASK = Path(sys.executable).parent / "flask"


@pytest.fixture()
def cluster(tmp_path):
    """Two nodes behind nginx; yields a dict with their ports, the shared URLs and knowledge folders."""
    postgres = start_postgres(tmp_path)
    try:
        with running_redis(tmp_path) as redis_url:
            nodes = {}
            for name in ("a", "b"):
                kb = tmp_path / f"node-{name}" / "knowledge"     # each machine has its own checkout
                shutil.copytree(FIXTURE_KB, kb)
                build_index(load_valid_knowledge(kb), tmp_path / f"ix-{name}")
                nodes[name] = {"kb": kb, "ix": tmp_path / f"ix-{name}"}
            env = {"HELPDESK_DATABASE_URL": postgres.url, "HELPDESK_RATELIMIT_STORAGE_URI": redis_url,
                   "HELPDESK_TRUSTED_PROXIES": "1", "HELPDESK_RATELIMIT_ASK": "100000 per second",
                   "HELPDESK_INDEX_CHECK_INTERVAL": "0.2", "HELPDESK_SECRET_KEY": "test-shared-secret"}
            with running_server(nodes["a"]["ix"], nodes["a"]["kb"], tmp_path / "a.log", **env) as port_a, \
                    running_server(nodes["b"]["ix"], nodes["b"]["kb"], tmp_path / "b.log", **env) as port_b, \
                    running_nginx(tmp_path / "nginx", [port_a, port_b]) as front:
                nodes["a"]["port"], nodes["b"]["port"] = port_a, port_b
                yield {"front": front, "nodes": nodes, "postgres": postgres, "redis": redis_url, "env": env,
                       "tmp": tmp_path}
    finally:
        postgres.close()


def ask(port: int, question: str, headers: dict | None = None) -> tuple[int, dict | None]:
    status, body, _ = request(port, "GET", "/api/ask?" + urllib.parse.urlencode({"q": question}), headers=headers)
    return status, (json.loads(body) if status == 200 else None)


def gaps(cluster) -> list[dict]:
    env = dict(os.environ, HELPDESK_DATABASE_URL=cluster["postgres"].url,
               HELPDESK_INDEX_DIR=str(cluster["nodes"]["a"]["ix"]), HELPDESK_INSTANCE_DIR=str(cluster["tmp"] / "i"))
    out = subprocess.run([str(FLASK), "--app", "wsgi", "kb", "gaps", "--days", "1", "--json"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["gaps"]


def recorded_ask_ids(cluster) -> set[str]:
    engine = create_engine(cluster["postgres"].url)
    with engine.connect() as connection:
        ids = {row[0] for row in connection.execute(text("SELECT ask_id FROM questions"))}
    engine.dispose()
    return ids


class Load:
    """Clients asking through nginx until stopped; records every status and every ask_id received."""

    def __init__(self, port: int, clients: int = 4):
        self.port, self.stop = port, threading.Event()
        self.statuses: list = []
        self.ask_ids: list = []
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(clients)]

    def run(self, i: int):
        n = 0
        while not self.stop.is_set():
            n += 1
            question = "What is keishin?" if n % 2 else f"Can I rent a boat number {i}-{n}?"
            try:
                status, data = ask(self.port, question)
            except OSError as exc:
                status, data = f"error {exc!r}", None
            self.statuses.append(status)
            if data and data.get("ask_id"):
                self.ask_ids.append(data["ask_id"])

    def __enter__(self):
        self.started = time.monotonic()
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join()
        self.seconds = time.monotonic() - self.started

    @property
    def failed(self) -> list:
        return [s for s in self.statuses if s != 200]


def test_nodes_share_limits_questions_and_generation(cluster):
    front, nodes = cluster["front"], cluster["nodes"]
    # Same knowledge, built separately on each node: the same generation name.
    health = [json.loads(request(n["port"], "GET", "/healthz")[1]) for n in nodes.values()]
    assert health[0]["generation"] == health[1]["generation"] == current_generation(nodes["a"]["ix"])
    # Questions asked through nginx and directly on each node land in one gaps report.
    for port in (front, front, nodes["a"]["port"], nodes["b"]["port"]):
        assert ask(port, "Where can I rent a boat?")[0] == 200
    assert ask(nodes["b"]["port"], "Is there a tender for bridges on Mars?")[0] == 200
    report = {g["question"]: g for g in gaps(cluster)}
    assert report["Where can I rent a boat?"]["count"] == 4
    assert report["Where can I rent a boat?"]["unanswered"] == 4
    assert report["Is there a tender for bridges on Mars?"]["count"] == 1
    # Static files are served by nginx itself.
    status, body, headers = request(front, "GET", "/static/helpdesk.css")
    assert status == 200 and b"feedback" in body and "gunicorn" not in headers.get("Server", "")
    # nginx's access log keeps neither the client's address nor the question.
    access = (cluster["tmp"] / "nginx" / "helpdesk-access.log").read_text()
    assert "/api/ask" in access and all(line.startswith("[") for line in access.splitlines())   # time first, no address
    assert "rent" not in access


def test_limit_per_address_holds_across_nodes_behind_nginx(tmp_path):
    postgres = start_postgres(tmp_path)
    try:
        with running_redis(tmp_path) as redis_url:
            ix = tmp_path / "ix"
            build_index(load_valid_knowledge(FIXTURE_KB), ix)
            env = {"HELPDESK_DATABASE_URL": postgres.url, "HELPDESK_RATELIMIT_STORAGE_URI": redis_url,
                   "HELPDESK_TRUSTED_PROXIES": "1", "HELPDESK_RATELIMIT_ASK": "8 per minute",
                   "HELPDESK_SECRET_KEY": "shared-by-both-nodes"}
            with running_server(ix, FIXTURE_KB, tmp_path / "a.log", **env) as a, \
                    running_server(ix, FIXTURE_KB, tmp_path / "b.log", **env) as b, \
                    running_nginx(tmp_path / "nginx", [a, b]) as front:
                # A client that spoofs X-Forwarded-For gets no new budget: nginx sets the header.
                statuses = [ask(front, "What is keishin?", {"X-Forwarded-For": f"203.0.113.{i}"})[0]
                            for i in range(20)]
                served_by = {json.loads(request(port, "GET", "/healthz")[1])["worker"] for port in (a, b)}
    finally:
        postgres.close()
    print(f"\nlimit 8/minute through nginx over 2 nodes: {statuses.count(200)} of {len(statuses)} answered")
    assert statuses.count(200) == 8 and statuses.count(429) == 12
    assert len(served_by) == 2


def test_node_killed_mid_load_loses_no_recorded_question(cluster):
    front, nodes = cluster["front"], cluster["nodes"]
    with Load(front) as load:
        time.sleep(1.5)
        kill_server(nodes["a"]["port"])
        time.sleep(2.5)
    answered = load.statuses.count(200)
    print(f"\nnode killed mid-load: {len(load.statuses)} requests in {load.seconds:.1f} s through nginx, "
          f"{len(load.failed)} failed")
    assert answered > 50 and load.failed == []
    # Every answer a user received carries an ask_id that is in the shared database.
    assert set(load.ask_ids) <= recorded_ask_ids(cluster) and len(load.ask_ids) == answered
    # nginx now sends everything to the node still alive.
    assert all(ask(front, "What is keishin?")[0] == 200 for _ in range(10))


def test_rolling_knowledge_update_without_failed_requests(cluster):
    front, nodes = cluster["front"], cluster["nodes"]
    before = json.loads(request(front, "GET", "/healthz")[1])["generation"]
    with Load(front) as load:
        for name in ("a", "b"):          # one node after the other, as a deployment tool would
            node = nodes[name]
            entry = node["kb"] / "entries" / "general" / "general-about-assistant.md"
            entry.write_text(entry.read_text(encoding="utf-8").replace("Who are you?", "Who answers here?"),
                             encoding="utf-8")
            env = dict(os.environ, HELPDESK_KNOWLEDGE_DIR=str(node["kb"]), HELPDESK_INDEX_DIR=str(node["ix"]),
                       HELPDESK_INSTANCE_DIR=str(cluster["tmp"] / f"i-{name}"))
            built = subprocess.run([str(FLASK), "--app", "wsgi", "kb", "build"], cwd=ROOT, env=env,
                                   capture_output=True, text=True, timeout=120)
            assert built.returncode == 0, built.stderr
            time.sleep(1.0)
    # Each worker loads a new generation on a background thread once a request sees the pointer
    # move; on a busy machine that can take more than the second above, so wait for it (bounded).
    deadline = time.monotonic() + 15
    while True:
        generations = {json.loads(request(n["port"], "GET", "/healthz")[1])["generation"] for n in nodes.values()}
        if (len(generations) == 1 and before not in generations) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    print(f"\nrolling knowledge update: {len(load.statuses)} requests in {load.seconds:.1f} s, "
          f"{len(load.failed)} failed; generation {before} → {generations}")
    assert load.failed == []
    assert len(generations) == 1 and before not in generations


def test_throughput_through_nginx_one_node_and_two(cluster):
    """A figure for the closing note, not a threshold: both nodes share this machine's two cores."""
    front, nodes = cluster["front"], cluster["nodes"]
    with Load(front, clients=8) as both:
        time.sleep(4)
    kill_server(nodes["b"]["port"])
    ask(front, "What is keishin?")       # let nginx notice
    with Load(front, clients=8) as one:
        time.sleep(4)
    rate_two, rate_one = len(both.statuses) / both.seconds, len(one.statuses) / one.seconds
    print(f"\nthrough nginx: two nodes {rate_two:.0f} requests/s, one node {rate_one:.0f} requests/s "
          f"(failed: {len(both.failed)} / {len(one.failed)})")
    assert both.failed == [] and one.failed == []
