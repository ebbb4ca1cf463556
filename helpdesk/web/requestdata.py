"""Reading request data without a second failure: parameters and JSON bodies with bounds.

Error handlers and context processors also read parameters (`lang`, `partner`); they must never
raise while a first error (such as 413 for a too-large form) is being answered, so `param`
swallows body errors and falls back to the URL's query string.
"""

from __future__ import annotations

import json
import re

from flask import current_app, request
from werkzeug.exceptions import HTTPException

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")


class BadBody(ValueError):
    """The request body cannot be used; `message` / `message_ja` say why."""

    def __init__(self, message: str, message_ja: str):
        super().__init__(message)
        self.message, self.message_ja = message, message_ja


def param(name: str) -> str | None:
    """A parameter from the query string, else from a form body, never raising."""
    value = request.args.get(name)
    if value is not None or request.method != "POST":
        return value
    try:
        return request.form.get(name)
    except (HTTPException, ValueError, RuntimeError, OSError):
        return None


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (strings ignored)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub('""', text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def json_body() -> object:
    """The request's JSON body, checked for content type, encoding and nesting before parsing."""
    if not request.is_json:
        raise BadBody("send a JSON object with Content-Type: application/json",
                      "Content-Type: application/json で JSON を送ってください")
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadBody("the body is not valid UTF-8", "本文が正しい UTF-8 ではありません") from None
    limit = current_app.config["MAX_JSON_DEPTH"]
    if json_depth(text) > limit:
        raise BadBody(f"the JSON is nested more than {limit} levels deep",
                      f"JSON の入れ子が {limit} 段を超えています")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise BadBody("the body is not valid JSON", "本文が正しい JSON ではありません") from None


def json_object(fields: tuple[str, ...], example: str) -> dict:
    """The body as a JSON object holding only `fields` (any of them may be missing); BadBody otherwise."""
    payload = json_body()
    if not isinstance(payload, dict):
        raise BadBody(f"send a JSON object such as {example}",
                      f"次のような JSON オブジェクトを送ってください: {example}")
    unknown = sorted(k for k in payload if k not in fields)
    if unknown:
        allowed = ", ".join(repr(f) for f in fields)
        raise BadBody(f"unknown field {unknown[0][:40]!r}; only {allowed} are read",
                      f"不明な項目です: {unknown[0][:40]!r}（使える項目: {allowed}）")
    return payload
