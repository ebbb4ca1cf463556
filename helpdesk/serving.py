"""The gunicorn worker class of the helpdesk: threads that slow or stalled clients cannot hold.

Gunicorn's sync worker gives each connection the whole process until its request has arrived,
so two clients that send half a request and stall take a two-worker service down until the
30 s worker timeout. The thread worker (gthread) already keeps connections that have sent
nothing in its poller instead of a thread. This subclass adds the missing half: once a request
has started, its head and body must arrive within READ_TIMEOUT seconds in total (a deadline, not
a per-read timeout, so a client trickling one byte at a time is closed as well). Sends get a
timeout of their own, so a client that never reads its response cannot hold a thread either.

A stalled client therefore holds one of THREADS threads for at most READ_TIMEOUT seconds, while
the others keep answering. Chosen over an async worker (no monkey-patching of the answering
code) and over a proxy started by scripts/serve (nginx is for several machines, see deploy/).
"""

from __future__ import annotations

import io
import os
import time
from concurrent.futures import ThreadPoolExecutor

from gunicorn import util
from gunicorn.http.unreader import SocketUnreader
from gunicorn.workers.gthread import _DEFER, DEFAULT_WORKER_DATA_TIMEOUT, ThreadWorker

READ_TIMEOUT = float(os.environ.get("HELPDESK_READ_TIMEOUT", "5"))
WRITE_TIMEOUT = float(os.environ.get("HELPDESK_WRITE_TIMEOUT", "10"))
LINGER = 1.0


class RequestTooSlow(Exception):
    """The request head or body did not arrive before the deadline.

    Not an OSError on purpose: gunicorn logs socket errors with a traceback, while a slow client
    is an expected event that deserves one line (and a 408 when the application was reading).
    """


class DeadlineUnreader(SocketUnreader):
    """Reads from the socket only until `deadline` (time.monotonic()) has passed."""

    deadline: float = 0.0

    def chunk(self, size_hint=None):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise RequestTooSlow("request not received in time")
        self.sock.settimeout(remaining)
        try:
            return super().chunk(size_hint)
        except TimeoutError:
            raise RequestTooSlow("request not received in time") from None
        finally:
            self.sock.settimeout(WRITE_TIMEOUT)


MAX_BODY_BYTES = 64 * 1024   # the application's MAX_CONTENT_LENGTH; more is never read here
APP_CONCURRENCY = int(os.environ.get("HELPDESK_APP_CONCURRENCY", "1"))
TOO_SLOW = "The request did not arrive in time. / リクエストが時間内に届きませんでした。\n".encode()


class OneAtATime:
    """Runs the application on one dedicated thread per process, once a request's body has arrived.

    Answering is pure Python: threads running it side by side only take turns on the GIL and
    slow each other down. And each thread that ever ran it would keep its own Sudachi tokenizer
    and index searcher (they are per thread), which multiplied a worker's memory by its thread
    count. So the connection threads only wait for the network (reading under the deadline,
    writing the response); the application itself runs on HELPDESK_APP_CONCURRENCY (default 1)
    threads of its own, never holding a connection.
    """

    def __init__(self, app, threads: int = APP_CONCURRENCY):
        self.app = app
        self.runner = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="helpdesk-app")

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") in ("POST", "PUT", "PATCH"):   # the only ones whose body is read
            try:
                body = environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
            except RequestTooSlow:
                start_response("408 Request Timeout", [("Content-Type", "text/plain; charset=utf-8"),
                                                       ("Connection", "close")])
                return [TOO_SLOW]
            environ["wsgi.input"] = io.BytesIO(body)
        return self.runner.submit(self._call, environ, start_response).result()

    def _call(self, environ, start_response):
        result = self.app(environ, start_response)
        try:
            return [b"".join(result)]   # the body is produced here, on the application's thread
        finally:
            if hasattr(result, "close"):
                result.close()


class DeadlineThreadWorker(ThreadWorker):
    def load_wsgi(self):
        super().load_wsgi()
        self.wsgi = OneAtATime(self.wsgi)

    def handle(self, conn):
        # Same first step as gthread: a connection that has sent nothing goes back to the poller.
        waiting = not conn.initialized and not conn.data_ready
        if waiting and not conn.wait_for_data(DEFAULT_WORKER_DATA_TIMEOUT):
            return _DEFER
        try:
            conn.sock.setblocking(True)
            conn.init()
        except OSError:
            conn.close()
            return False
        parser = getattr(conn, "parser", None)
        if not conn.is_http2 and parser is not None and isinstance(parser.unreader, SocketUnreader):
            parser.unreader.__class__ = DeadlineUnreader   # keeps its buffer of read-ahead bytes
            parser.unreader.deadline = time.monotonic() + READ_TIMEOUT
        result = super().handle(conn)
        if result is False:
            # gthread would close the connection on its main loop, lingering up to 2 s for the peer
            # to close: a client that never does would stop the worker's loop (accepting, dispatching)
            # for 2 s per connection. Close it here, in this thread, lingering at most LINGER seconds.
            util.close_graceful(conn.sock, timeout=LINGER)
        return result

    def handle_error(self, req, client, addr, exc):
        if isinstance(exc, RequestTooSlow):
            self.log.info("closed a connection whose request did not arrive within %.0f s", READ_TIMEOUT)
            return
        super().handle_error(req, client, addr, exc)
