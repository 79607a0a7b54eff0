"""The request body parsed as JSON once per request, with nesting and Unicode checked."""

from __future__ import annotations

import json
from typing import Any

from flask import g, request

from service.errors import InvalidRequest, MalformedJSON, TarjomanError

# No request of ours nests deeper than a few levels; this bound keeps every walk over a body
# (validation, logging, limits) far from Python's recursion limit.
MAX_DEPTH = 32
_CACHE = "tarjoman_json_body"


def _bad_text(value: str) -> int | None:
    """The index of the first lone surrogate in value, or None when it is valid Unicode."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def _field(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "body"


def check_tree(data: Any) -> None:
    """400 past MAX_DEPTH levels; 422 naming the field that holds a lone surrogate."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise MalformedJSON(f"the JSON body is nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                where = _bad_text(key)
                if where is not None:
                    raise _surrogate(_field(path), where, "a key")
                stack.append((item, (*path, key)))
        elif isinstance(value, list):
            stack.extend((item, (*path, index)) for index, item in enumerate(value))
        elif isinstance(value, str):
            where = _bad_text(value)
            if where is not None:
                raise _surrogate(_field(path), where, "it")


def _surrogate(field: str, index: int, what: str) -> InvalidRequest:
    # JSON may escape half of a UTF-16 pair (`"\ud800"`); that is not text and no model or
    # encoder can take it, so it is refused rather than silently replaced.
    problem = f"{what} holds a lone surrogate (an unpaired \\uD800-\\uDFFF escape) at {index}"
    return InvalidRequest(
        f"invalid request: {field}: {problem}; send valid Unicode text",
        details=[{"field": field, "problem": problem}],
    )


def _parse() -> Any:
    raw = request.get_data(cache=True)  # raises 413 past MAX_CONTENT_LENGTH, before parsing
    try:
        data = json.loads(raw)
    except RecursionError:
        raise MalformedJSON(f"the JSON body is nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJSON(f"the body is not valid JSON: {exc}") from None
    check_tree(data)
    return data


def parsed_json() -> Any:
    """The body as JSON, parsed and checked once per request; raises the service's errors."""
    cached: tuple[Any, TarjomanError | None] | None = g.get(_CACHE)
    if cached is None:
        try:
            cached = (_parse(), None)
        except TarjomanError as exc:
            cached = (None, exc)
        setattr(g, _CACHE, cached)
    data, error = cached
    if error is not None:
        raise error
    return data
