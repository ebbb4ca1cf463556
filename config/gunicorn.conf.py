"""Gunicorn settings used by scripts/serve (and by the tests that start a server the README's way).

Every value can be overridden by the environment variable named beside it. Why these values:
- worker_class: a thread worker whose threads never wait on an idle connection, that closes a
  connection whose request head and body do not arrive within HELPDESK_READ_TIMEOUT seconds, and
  that runs the application one request at a time per process once the body has arrived
  (helpdesk/serving.py): clients that stall mid-request cannot take the workers away, and the
  answering threads do not fight over the GIL.
- limit_request_line 8190 (gunicorn's maximum): a 500-character Japanese question is about
  4,500 bytes once URL-encoded, over the default 4,094.
- no control socket: nothing is written under the home directory; logs go to stdout (access) and
  stderr (errors and the application's own log lines) so one process manager collects them.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS", "2"))
threads = int(os.environ.get("THREADS", "32"))
worker_class = "helpdesk.serving.DeadlineThreadWorker"
worker_connections = 1000
timeout = 30            # a worker whose main loop is silent this long is restarted
graceful_timeout = 20
keepalive = 5
# Each worker listens on its own socket (SO_REUSEPORT) and the kernel spreads new connections
# over them: one worker process computes one request at a time (helpdesk/serving.py), so a worker
# that accepted most of the keep-alive connections would leave the other core idle.
reuse_port = True
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
control_socket_disable = True
accesslog = "-"
# No client address, no query string (questions), no user agent: time, method, path, status, bytes,
# seconds. The helpdesk stores no IP address, its logs included.
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)s'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# The application reads this to give each worker its share of the per-address rate limit when the
# limiter's storage is the in-process memory store (see helpdesk/web/limits.py).
raw_env = [f"HELPDESK_WORKERS={workers}", "HELPDESK_INDEX_SWITCH_IN_BACKGROUND=1"]
# The app, the engine, Sudachi's and pykakasi's tables are loaded once in the master and shared
# by the forked workers (copy-on-write): less memory, and no worker's first request waits.
preload_app = os.environ.get("HELPDESK_PRELOAD", "1") != "0"


def _extension(wsgi, name):
    """One of the Flask app's extensions (engine_store, question_log), through helpdesk.serving's
    wrapper; None when there is no app or no such extension."""
    app = getattr(wsgi, "app", wsgi)
    return app.extensions.get(name) if hasattr(app, "extensions") else None


def when_ready(server):
    """In the master, before the workers are forked: open the index and warm up the analysis."""
    if not server.cfg.preload_app:
        return
    store = _extension(server.app.wsgi(), "engine_store")
    if store is None:
        return
    try:
        engine = store.current()
    except Exception as exc:  # no index yet: requests will say how to build one
        server.log.warning("no index at start: %s", exc)
        return
    from helpdesk.deciding import decide

    for question in ("What is keishin?", "経審の有効期間は？", "kankouju tekikaku kumiai", "けいしん",
                     "goverment procurment", "Tokyo"):
        decide(engine, question)   # loads Sudachi, pykakasi and the spelling list before the fork
    import gc

    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """A worker must not share the master's database connections (there should be none)."""
    log = _extension(server.app.wsgi(), "question_log") if server.cfg.preload_app else None
    if log is not None:
        log.dispose()


def post_worker_init(worker):
    """Open the index before the worker's first request, so that no user waits for it."""
    store = _extension(worker.wsgi, "engine_store")
    if store is None:
        return
    try:
        store.current()
    except Exception as exc:  # no index yet: requests will say how to build one
        worker.log.warning("no index at start: %s", exc)
    question_log = _extension(worker.wsgi, "question_log")
    if question_log is not None:
        try:
            _ = question_log.engine   # connect (and check the schema) before the first question, not during it
        except Exception as exc:  # the log never stops answering; it retries on its own
            worker.log.warning("question log not reachable at start: %s", exc)
    # The engine, Sudachi's and pykakasi's tables are long-lived: keep the garbage collector from
    # walking them again and again (they stay reachable; only new objects are collected).
    import gc

    gc.collect()
    gc.freeze()
