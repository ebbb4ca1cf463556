"""Rate limiting per client address (Flask-Limiter), one budget for every route that answers or computes.

The question API, the Q&A page and widget when they carry a question, the desk and glossary
searches and the calculator all draw from the same per-address budget (`HELPDESK_RATELIMIT_ASK`),
so switching routes does not multiply it.

Where the counters live decides what "per address" means:
- `memory://` (the embedded default) is per worker process. Each of the HELPDESK_WORKERS workers
  (set by config/gunicorn.conf.py) then allows 1/WORKERS of the limit, so one address never gets
  more than the configured rate from the whole machine, whichever workers its requests reach.
- a shared store (`redis://…`) counts across workers and machines: the full limit applies.

The client address is `remote_addr`; behind HELPDESK_TRUSTED_PROXIES reverse proxies, werkzeug's
ProxyFix (installed by the app factory) makes it the address the proxies saw. Counters are kept
under a keyed hash of it, never the address itself.
"""

from __future__ import annotations

import hashlib
import hmac
import math

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse_many


def client_key() -> str:
    """The client address as a keyed hash: counters (in Redis too) never hold an IP address.

    The key is the app's SECRET_KEY, which several machines share (HELPDESK_SECRET_KEY), so one
    address has one budget across nodes.
    """
    secret = str(current_app.config.get("SECRET_KEY") or "").encode()
    return hmac.new(secret, get_remote_address().encode(), hashlib.sha256).hexdigest()[:24]


limiter = Limiter(key_func=client_key, default_limits=[])


@limiter.request_filter
def _limits_off() -> bool:
    return not current_app.config.get("HELPDESK_LIMITS_ON", True)
SCOPE = "answering"


def worker_share(limit_text: str, workers: int) -> str:
    """Each worker's share of a limit string: '20 per second;600 per minute', 2 → '10 per 1 second;…'."""
    if workers <= 1:
        return limit_text
    shares = []
    for item in parse_many(limit_text):
        amount = max(1, math.floor(item.amount / workers))
        shares.append(f"{amount} per {item.multiples} {item.GRANULARITY.name}")
    return ";".join(shares)


def effective_limit(config) -> str:
    """The limit each process enforces, given where the counters are stored."""
    text = config["RATELIMIT_ASK"]
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return worker_share(text, config["WORKERS"])
    return text


def init_app(app) -> None:
    parse_many(app.config["RATELIMIT_ASK"])   # a malformed limit fails at start, not per request
    # Flask-Limiter keeps "enabled" on the shared Limiter object; several apps in one process (the
    # tests) would switch each other's limits on and off. Each app decides for itself instead.
    app.config["HELPDESK_LIMITS_ON"] = bool(app.config["RATELIMIT_ENABLED"])
    app.config["RATELIMIT_ENABLED"] = True
    app.config["RATELIMIT_EFFECTIVE"] = effective_limit(app.config)
    if not app.config["RATELIMIT_STORAGE_URI"].startswith("memory://") and not app.config.get("SECRET_KEY"):
        # Each node would otherwise hash addresses with its own random key: one budget per node.
        raise RuntimeError("HELPDESK_RATELIMIT_STORAGE_URI names a shared store: set HELPDESK_SECRET_KEY, "
                           "the same on every node")
    # A shared store that is down must not take answering down: fall back to per-process counting.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)


def _limit_value() -> str:
    return current_app.config["RATELIMIT_EFFECTIVE"]


def _without_question() -> bool:
    """Pages that only show a form (no `q`) cost nothing."""
    return request.method == "GET" and "q" not in request.args


# Routes that always answer or compute (API, calculator).
answering_limit = limiter.shared_limit(_limit_value, scope=SCOPE)
# Pages that answer only when they carry a question (`/?q=`, `/widget?q=`, `/centres?q=`).
question_page_limit = limiter.shared_limit(_limit_value, scope=SCOPE, exempt_when=_without_question)
