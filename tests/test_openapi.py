"""The hand-written OpenAPI document (helpdesk/web/openapi.json): valid, complete and true to the app.

schemathesis generates requests from the document, valid ones and invalid ones (the document's
examples, boundary "coverage" cases and random fuzzing), sends them to the real app in-process and
checks every answer: no server error, a documented status code and content type, and a body that
fits the documented schema. `pytest -s tests/test_openapi.py` prints how many requests were sent,
per operation and status code.

Answers the fuzzer cannot provoke from the real app (503 without an index, 429, 413, 405, and 204 for
feedback on a real answer) are sent once each and checked the same way.

The generation is deterministic (derandomize): the same document gives the same requests.
schemathesis' pytest integration for a schema made by a fixture (`from_fixture`) does not work with
pytest 9 (it sets `Function._nodeid`), so the schema is loaded from the file and the app comes in as
a fixture.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter, defaultdict

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from helpdesk.web.api import OPENAPI_FILE

from .conftest import REAL_KB, make_app

DOCUMENT = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
# Paths whose operations take no parameter and no body: there is nothing to send invalid.
NOTHING_TO_BREAK = [path for path, item in DOCUMENT["paths"].items()
                    if not any(isinstance(op, dict) and (op.get("parameters") or "requestBody" in op)
                               for op in item.values())]
CONFORMANCE = [status_code_conformance, content_type_conformance, response_schema_conformance]
CHECKS = [not_a_server_error, *CONFORMANCE]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Random examples per operation and generation mode, on top of the examples and boundary cases.
MAX_EXAMPLES = 40
FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def documented_path(rule: str) -> str:
    """A werkzeug rule as an OpenAPI path: /entry/<id> → /entry/{id}, /x/<int:n> → /x/{n}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


class CountingApp:
    """The WSGI app, counting the requests that reach it per method, path and status code."""

    def __init__(self, app):
        self.app = app
        self.statuses: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def __call__(self, environ, start_response):
        key = f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}"

        def counting_start_response(status, headers, exc_info=None):
            self.statuses[key][status.split()[0]] += 1
            return start_response(status, headers, exc_info)

        return self.app(environ, counting_start_response)

    def report(self) -> str:
        total = sum(sum(c.values()) for c in self.statuses.values())
        lines = [f"{sum(c.values()):6d}  {key:<30} " + ", ".join(f"{s}: {n}" for s, n in sorted(c.items()))
                 for key, c in sorted(self.statuses.items())]
        return f"schemathesis sent {total} requests to the app:\n" + "\n".join(lines)


@pytest.fixture(scope="module")
def spec(real_client):
    response = real_client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_document_is_valid_openapi_3_1(spec):
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    # The fuzzed document (read from the file) is the one the app serves.
    assert spec == DOCUMENT


def test_every_api_route_is_documented_with_its_methods(real_app, spec):
    routes: dict[str, set[str]] = {}
    for rule in real_app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/data/")) or rule.rule == "/healthz":
            methods = {m.lower() for m in rule.methods or ()} - {"head", "options"}
            routes.setdefault(documented_path(rule.rule), set()).update(methods)
    documented = {path: set(item) & HTTP_METHODS for path, item in spec["paths"].items()}
    assert "/healthz" in routes and "/api/openapi.json" in routes
    assert documented == routes


@pytest.fixture(scope="module")
def counting_app(real_app):
    counting = CountingApp(real_app)
    yield counting
    print("\n" + counting.report())


def load_schema(mode: GenerationMode):
    loaded = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT))
    loaded.config.generation.update(modes=[mode], max_examples=MAX_EXAMPLES)
    loaded.config.phases.update(phases=["examples", "coverage", "fuzzing"])
    return loaded


valid_requests = load_schema(GenerationMode.POSITIVE)
invalid_requests = load_schema(GenerationMode.NEGATIVE).exclude(path=NOTHING_TO_BREAK)


@valid_requests.parametrize()
@FUZZ_SETTINGS
def test_valid_requests_are_answered_as_documented(case, counting_app):
    case.call_and_validate(app=counting_app, checks=CHECKS)


@invalid_requests.parametrize()
@FUZZ_SETTINGS
def test_invalid_requests_are_answered_as_documented(case, counting_app):
    case.call_and_validate(app=counting_app, checks=CHECKS)


# Answers the fuzzer cannot provoke from the real app (no index, rate limit, body over 64 KB): one request each.
QUESTION = {"query": {"q": "keishin"}}
QUESTION_BODY = {"body": {"q": "keishin"}, "media_type": "application/json"}
VALIDITY_BODY = {"body": {"standard_screening_day": "2025-03-31"}, "media_type": "application/json"}
INDEX_ROUTES = [("/api/ask", "GET", QUESTION), ("/api/ask", "POST", QUESTION_BODY),
                ("/api/centres", "GET", {"query": {"q": "Osaka"}}), ("/api/suggest", "GET", QUESTION),
                ("/healthz", "GET", {})]
LIMITED_ROUTES = [*INDEX_ROUTES[:4], ("/api/keishin/validity", "POST", VALIDITY_BODY),
                  ("/api/keishin", "POST", {"body": {}, "media_type": "application/json"}),
                  ("/api/feedback", "POST", {"body": {"ask_id": "A" * 22, "helpful": True},
                                             "media_type": "application/json"})]
BODY_ROUTES = ["/api/ask", "/api/feedback", "/api/keishin", "/api/keishin/validity"]


def send(app, path: str, method: str, expected: int, **case_kwargs):
    case = valid_requests[path][method].Case(**case_kwargs)
    response = case.call(app=app)
    assert response.status_code == expected, (method, path, response.text)
    case.validate_response(response, checks=[*CONFORMANCE, response_headers_conformance])
    return response


def test_answers_without_an_index_are_documented(tmp_path):
    app = make_app(REAL_KB, tmp_path / "never-built")
    for path, method, kwargs in INDEX_ROUTES:
        send(app, path, method, 503, **kwargs)


def test_rate_limited_answers_are_documented(tmp_path):
    app = make_app(REAL_KB, tmp_path / "never-built", RATELIMIT_ENABLED=True, RATELIMIT_ASK="1 per minute")
    send(app, "/api/keishin/validity", "POST", 200, **VALIDITY_BODY)   # spends the budget shared by all routes
    for path, method, kwargs in LIMITED_ROUTES:
        assert int(send(app, path, method, 429, **kwargs).headers["retry-after"][0]) >= 1


def test_feedback_on_an_answer_is_documented(real_app):
    ask_id = send(real_app, "/api/ask", "GET", 200, **QUESTION).json()["ask_id"]
    body = {"ask_id": ask_id, "helpful": False, "entry_id": "keishin-what-is", "comment": "more detail, please"}
    send(real_app, "/api/feedback", "POST", 204, body=body, media_type="application/json")


def test_oversized_bodies_are_documented(real_app):
    for path in BODY_ROUTES:
        send(real_app, path, "POST", 413, body={"q": "k" * 70_000}, media_type="application/json")


def test_other_methods_get_the_documented_json_405(real_client, spec):
    for path, item in spec["paths"].items():
        operations = {method: item[method] for method in set(item) & HTTP_METHODS}
        assert all("405" in operation["responses"] for operation in operations.values()), path
        for method in sorted({"get", "post", "put", "delete", "patch"} - set(operations)):
            response = real_client.open(path, method=method.upper())
            assert response.status_code == 405, (method, path)
            assert isinstance(response.get_json()["error"], str)
