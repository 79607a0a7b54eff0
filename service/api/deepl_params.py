"""Reading DeepL requests: parameters from forms or JSON, languages, formality, whose they are."""

from __future__ import annotations

import hashlib
from typing import Any, TypeVar

from flask import Flask, current_app, request
from pydantic import BaseModel, ValidationError

from service import errors
from service.api.auth import bearer_token, deepl_auth_key
from service.api.deepl_store import DeepLStore
from service.api.forms import form_or_json
from service.schemas_deepl import FORMALITIES, SOURCE_CODES, TARGET_CODES
from service.settings import Settings

STORE = "tarjoman.deepl"
_LISTS = ("text", "ignore_tags")
Model = TypeVar("Model", bound=BaseModel)


def install(app: Flask, settings: Settings) -> None:
    """Put the glossary and usage store in the app (the file is made on first use)."""
    app.extensions[STORE] = DeepLStore(settings.data_dir / "deepl.sqlite3")


def store() -> DeepLStore:
    """The current app's store."""
    found: DeepLStore = current_app.extensions[STORE]
    return found


def owner() -> str:
    """Whose glossaries and usage these are: a hash of the key sent (the auth hook has checked
    it when keys are on), never the key itself."""
    key = deepl_auth_key() or bearer_token()
    if not key:
        return "anonymous"
    return "key:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _form_field(key: str, values: list[str]) -> str | list[str]:
    """A form field's value: all of a list field's, else the last one sent."""
    return values if key in _LISTS else values[-1]


def body() -> dict[str, Any]:
    """The request's parameters: query, then a form (repeated fields as lists) or JSON object."""
    data: dict[str, Any] = dict(request.args.items())
    not_object = errors.ClientError("Expected a JSON object or a form.")
    data.update(form_or_json(_form_field, not_object, empty_ok=True))
    return data


def validate(model: type[Model], data: dict[str, Any]) -> Model:
    """A schema from the parameters; 400 naming the first bad one, in DeepL's words."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        name = str(first["loc"][0]) if first["loc"] else "body"
        if first["type"] == "missing":
            raise errors.ClientError(f"Parameter '{name}' not specified.") from None
        raise errors.ClientError(f"Value for '{name}' not supported.") from None


def source_language(code: str | None) -> str:
    """The service's source language for a DeepL code (absent or empty: detected)."""
    if not code:
        return "auto"
    found = SOURCE_CODES.get(code.upper())
    if found is None:
        raise errors.ClientError("Value for 'source_lang' not supported.")
    return found


def target_language(code: str) -> str:
    """The service's target language for a DeepL code."""
    found = TARGET_CODES.get(code.upper())
    if found is None:
        raise errors.ClientError("Value for 'target_lang' not supported.")
    return found


def check_formality(formality: str | None) -> None:
    """As DeepL does for a target language without formality: `prefer_*` and `default` fall
    back silently, `more` and `less` are refused."""
    if formality is None:
        return
    if formality.lower() not in FORMALITIES:
        raise errors.ClientError("Value for 'formality' not supported.")
    if formality.lower() in ("more", "less"):
        raise errors.ClientError("'formality' is not supported for given 'target_lang'.")
