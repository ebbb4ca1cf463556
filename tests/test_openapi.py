"""The hand-written OpenAPI document (helpdesk/web/openapi.json): valid, complete and true to the app.

schemathesis generates requests from the document, valid ones and invalid ones (examples, boundary
"coverage" cases and random fuzzing), sends them to the real app in-process and checks every answer:
no server error, a documented status code and content type, and a body that fits the documented schema.
`pytest -s tests/test_openapi.py` prints how many requests were made, per operation.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
MAX_EXAMPLES = 40   # per operation and test; with coverage cases the whole module stays under a minute on 2 cores


def documented_path(rule: str) -> str:
    """A werkzeug rule as an OpenAPI path: /entry/<id> → /entry/{id}, /x/<int:n> → /x/{n}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


class CountingApp:
    """The WSGI app, counting the requests that reach it per method and path."""

    def __init__(self, app):
        self.app = app
        self.requests: Counter[str] = Counter()

    def __call__(self, environ, start_response):
        self.requests[f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')}"] += 1
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def spec(real_client):
    response = real_client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_document_is_valid_openapi_3_1(spec):
    validate(spec)
    assert spec["openapi"] == "3.1.0"


def test_every_api_route_is_documented_with_its_methods(real_app, spec):
    routes: dict[str, set[str]] = {}
    for rule in real_app.url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.rule == "/healthz":
            methods = {m.lower() for m in rule.methods or ()} - {"head", "options"}
            routes.setdefault(documented_path(rule.rule), set()).update(methods)
    documented = {path: set(item) & HTTP_METHODS for path, item in spec["paths"].items()}
    assert "/healthz" in routes and "/api/openapi.json" in routes
    assert documented == routes


@pytest.fixture(scope="module")
def counting_app(real_app):
    counting = CountingApp(real_app)
    yield counting
    total = sum(counting.requests.values())
    lines = "\n".join(f"  {n:5d}  {key}" for key, n in sorted(counting.requests.items()))
    print(f"\nschemathesis sent {total} requests to the app:\n{lines}")


@pytest.fixture(scope="module")
def api_schema(counting_app):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", counting_app)
    schema.config.generation.update(modes=list(GenerationMode), max_examples=MAX_EXAMPLES)
    schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
    return schema


lazy_schema = schemathesis.pytest.from_fixture("api_schema")


@lazy_schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_app_answers_as_documented(case):
    case.call_and_validate(checks=CHECKS)
