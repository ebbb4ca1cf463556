"""Under gunicorn, a `kb build` is picked up by running workers without restart or failed requests."""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from helpdesk.indexing import build_index, current_generation
from helpdesk.knowledge import load_valid_knowledge

from .conftest import FIXTURE_KB

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback only)
        return response.status, response.read()


def test_rebuild_under_gunicorn_without_failed_requests(tmp_path):
    kb_dir = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, kb_dir)
    index_dir = tmp_path / "ix"
    build_index(load_valid_knowledge(kb_dir), index_dir)
    port = free_port()
    env = dict(os.environ, HELPDESK_INDEX_DIR=str(index_dir), HELPDESK_KNOWLEDGE_DIR=str(kb_dir),
               HELPDESK_RATELIMIT_ENABLED="0", HELPDESK_INDEX_CHECK_INTERVAL="0.2")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env.update(PORT=str(port), WORKERS="2", LOG_LEVEL="warning", HELPDESK_INSTANCE_DIR=str(tmp_path / "instance"))
    server = subprocess.Popen([str(gunicorn), "--config", "config/gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                get(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        statuses, stop = [], threading.Event()

        def hammer():
            while not stop.is_set() and len(statuses) < 2000:
                try:
                    statuses.append(get(base + "/api/ask?q=keishin")[0])
                except urllib.error.HTTPError as exc:
                    statuses.append(exc.code)
                except OSError:
                    statuses.append(0)

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        first = current_generation(index_dir)
        extra = kb_dir / "entries" / "general" / "general-extra.md"
        extra.write_text((kb_dir / "entries" / "general" / "general-about-assistant.md").read_text()
                         .replace("id: general-about-assistant", "id: general-extra")
                         .replace("Who are you?", "Do you cover tenders for bridges in Atlantis?"))
        result = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "kb", "build"],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert current_generation(index_dir) != first
        # Every worker must switch: wait for ten answers in a row from the new generation.
        deadline, fresh = time.time() + 10, 0
        while time.time() < deadline and fresh < 10:
            fresh = fresh + 1 if b"general-extra" in get(base + "/api/ask?q=bridges+in+Atlantis")[1] else 0
        stop.set()
        for t in threads:
            t.join()
        assert fresh == 10
        assert statuses and set(statuses) == {200}
    finally:
        server.terminate()
        server.wait(timeout=10)
