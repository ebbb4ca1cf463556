"""Under gunicorn, a `kb build` is picked up by running workers without restart or failed requests."""

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from helpdesk.indexing import build_index, current_generation
from helpdesk.knowledge import load_valid_knowledge

from .conftest import FIXTURE_KB
from .serverutil import ROOT, request, running_server


def test_rebuild_under_gunicorn_without_failed_requests(tmp_path):
    kb_dir = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, kb_dir)
    index_dir = tmp_path / "ix"
    build_index(load_valid_knowledge(kb_dir), index_dir)
    settings = {"HELPDESK_RATELIMIT_ENABLED": "0", "HELPDESK_INDEX_CHECK_INTERVAL": "0.2"}
    with running_server(index_dir, kb_dir, tmp_path / "gunicorn.log", **settings) as port:
        statuses, stop = [], threading.Event()

        def hammer():
            while not stop.is_set() and len(statuses) < 2000:
                try:
                    statuses.append(request(port, "GET", "/api/ask?q=keishin", timeout=5)[0])
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
        env = dict(os.environ, HELPDESK_INDEX_DIR=str(index_dir), HELPDESK_KNOWLEDGE_DIR=str(kb_dir),
                   HELPDESK_INSTANCE_DIR=str(tmp_path / "instance"))
        result = subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "kb", "build"],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert current_generation(index_dir) != first
        # Every worker must switch: wait for ten answers in a row from the new generation.
        deadline, fresh = time.time() + 10, 0
        while time.time() < deadline and fresh < 10:
            answer = request(port, "GET", "/api/ask?q=bridges+in+Atlantis")[1]
            fresh = fresh + 1 if b"general-extra" in answer else 0
        stop.set()
        for t in threads:
            t.join()
    assert fresh == 10
    assert statuses and set(statuses) == {200}
