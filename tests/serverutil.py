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


def kill_server(port: int) -> None:
    """SIGKILL a node started by running_server, master and workers at once (a machine dying)."""
    server = running_server.processes[port]
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()


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
            running_server.processes[port] = server
            yield port
        finally:
            running_server.processes.pop(port, None)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


REDIS = "/usr/bin/redis-server"
NGINX = "/usr/sbin/nginx"


@contextlib.contextmanager
def running_redis(folder: Path):
    """A real redis-server (Debian's) on a loopback port, data in `folder`; yields its URL."""
    if not Path(REDIS).exists():
        raise RuntimeError("redis-server is missing: run scripts/setup --dev (it installs Debian's redis-server)")
    port = free_port()
    server = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                               "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def render_nginx_site(upstreams: list[int], listen: int, static_root: Path, access_log: Path) -> str:
    """deploy/nginx-helpdesk.conf with its placeholders filled for nodes on loopback ports."""
    template = (ROOT / "deploy" / "nginx-helpdesk.conf").read_text()
    servers = "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in upstreams)
    return (template.replace("{{ upstream_servers }}", servers).replace("{{ listen }}", f"127.0.0.1:{listen}")
            .replace("{{ server_name }}", "localhost").replace("{{ static_root }}", str(static_root))
            .replace("{{ access_log }}", str(access_log)))


@contextlib.contextmanager
def running_nginx(folder: Path, upstreams: list[int]):
    """Debian's nginx in front of `upstreams`, with the committed site file; yields its port."""
    if not Path(NGINX).exists():
        raise RuntimeError("nginx is missing: run scripts/setup --dev (it installs Debian's nginx)")
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""   # its temp files live in the test's private folder
    conf = folder / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes 1;\ndaemon off;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log warn;\n"
        f"events {{ worker_connections 1024; }}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log off;\n"
        f"  client_body_temp_path {folder}/body;\n  proxy_temp_path {folder}/proxy;\n"
        f"  fastcgi_temp_path {folder}/fastcgi;\n  uwsgi_temp_path {folder}/uwsgi;\n  scgi_temp_path {folder}/scgi;\n"
        f"{render_nginx_site(upstreams, port, ROOT / 'static', folder / 'helpdesk-access.log')}\n}}\n")
    check = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(folder)], capture_output=True, text=True)
    if check.returncode:
        raise RuntimeError(f"nginx rejected the configuration: {check.stderr}")
    server = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(folder)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


running_server.processes = {}
