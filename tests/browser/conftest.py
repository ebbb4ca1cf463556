"""Real-browser fixtures: the app on one loopback port, partner pages on two others.

The ports are free ones chosen at start (tests/serverutil.free_port), so parallel runs do not
collide. The app reads a partners file written for them: the partner page's port is in the
allow-list of the `local-test` partner, the stranger's is not, so the same embed there must be
refused (the widget explains why inside the frame).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from helpdesk.indexing import build_index
from helpdesk.knowledge import load_valid_knowledge

from ..conftest import REAL_KB, make_app
from ..serverutil import free_port

CHROMIUM = "/usr/bin/chromium"
APP_PORT, PARTNER_PORT, STRANGER_PORT = free_port(), free_port(), free_port()
APP = f"http://127.0.0.1:{APP_PORT}"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
# Screenshots of the answer-first pages, looked at by a person after a run.
LOOK = Path("/tmp/helpdesk-screenshots")


def partner_page(title: str, loader: bool = True, key: str = "local-test") -> bytes:
    if loader:
        body = (f'<div id="procurement-helpdesk"></div>'
                f'<script src="{APP}/embed.js" data-partner="{key}" data-lang="en" async></script>')
    else:
        body = (f'<iframe id="plain" src="{APP}/widget?partner=local-test&lang=en" title="Procurement Helpdesk" '
                f'style="width:100%;height:600px;border:0"></iframe>')
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><h1>{title}</h1>{body}<footer id="after">partner footer</footer></body></html>').encode()


def static_site(pages: dict):
    def app(environ, start_response):
        page = pages.get(environ.get("PATH_INFO", "/"))
        if page is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [page]
    return app


class Server:
    def __init__(self, app, port):
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    index_dir = tmp_path_factory.mktemp("browser-index")
    build_index(load_valid_knowledge(REAL_KB), index_dir)
    partners = tmp_path_factory.mktemp("partners") / "partners.yaml"
    partners.write_text(
        "partners:\n"
        f'  local-test: {{origins: ["http://127.0.0.1:{PARTNER_PORT}", "http://localhost:{PARTNER_PORT}"], '
        'lang: en, accent: "#7a1f5c"}\n'
        '  localhost: {origins: ["http://localhost:3000"], lang: en}\n')
    app = make_app(REAL_KB, index_dir, PARTNERS_FILE=partners)
    pages = {"/loader": partner_page("Partner with loader"), "/plain": partner_page("Partner, plain iframe", False),
             "/unknown-key": partner_page("Partner with a mistyped key", key="local-tset")}
    with Server(app, APP_PORT), Server(static_site(pages), PARTNER_PORT), Server(static_site(pages), STRANGER_PORT):
        yield {"app": APP, "partner": f"http://127.0.0.1:{PARTNER_PORT}", "stranger": f"http://127.0.0.1:{STRANGER_PORT}",
               "flask_app": app}


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: run scripts/setup --dev (it installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--test-third-party-cookie-phaseout"])
        yield instance
        instance.close()


@pytest.fixture()
def page(browser):
    # Third-party cookies blocked, as many users have it: the widget must not need them.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
