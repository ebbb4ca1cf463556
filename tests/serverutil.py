"""Start the service the README's way (gunicorn with config/gunicorn.conf.py) for server-level tests."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
            timeout: float = 10.0) -> tuple[int, bytes, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


@contextlib.contextmanager
def running_server(index_dir: Path, kb_dir: Path, log_path: Path, **env_extra: str):
    """Yield the port of a gunicorn started with the committed settings; stop it afterwards."""
    port = free_port()
    env = dict(os.environ, PORT=str(port), HELPDESK_INDEX_DIR=str(index_dir), HELPDESK_KNOWLEDGE_DIR=str(kb_dir),
               LOG_LEVEL="warning", HELPDESK_INSTANCE_DIR=str(log_path.parent / f"instance-{port}"))
    env.update(env_extra)
    with open(log_path, "wb") as log:
        server = subprocess.Popen([str(GUNICORN), "--config", "config/gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                                  env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            workers_ready: set = set()
            wanted = int(env.get("WORKERS", "2"))
            while time.monotonic() < deadline and len(workers_ready) < wanted:
                try:
                    status, body, _ = request(port, "GET", "/healthz", timeout=2)
                    if status == 200:
                        import json
                        workers_ready.add(json.loads(body)["worker"])
                except OSError:
                    time.sleep(0.1)
                if server.poll() is not None:
                    raise RuntimeError(f"gunicorn exited: {log_path.read_text()[-2000:]}")
            yield port
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
