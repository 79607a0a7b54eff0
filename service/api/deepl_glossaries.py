"""DeepL v2 glossaries: create, list, get, entries, delete; stored per key, applied on translate."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response

from service import errors
from service.api.deepl import ERRORS, TAGS, blueprint
from service.api.deepl_params import body, owner, store, validate
from service.api.deepl_store import Glossary
from service.api.openapi import documented
from service.api.state import state
from service.schemas_deepl import (
    SOURCE_CODES,
    DeepLError,
    DeepLGlossaries,
    DeepLGlossary,
    DeepLGlossaryPair,
    DeepLGlossaryPairs,
    DeepLGlossaryRequest,
)

__all__ = ["blueprint", "parse_entries"]  # the DeepL blueprint, with these routes on it
MAX_ENTRIES = 5000
MAX_TERM_CHARS = 200
_INVALID = "Invalid glossary entries provided"


def parse_entries(text: str, entries_format: str) -> list[tuple[str, str]]:
    """Entries from TSV (`source<TAB>target`) or CSV (`source,target[,langs]`) lines."""
    if entries_format == "csv":
        rows = [row[:2] for row in csv.reader(io.StringIO(text)) if row]
    else:
        rows = [line.split("\t", 1) for line in text.splitlines() if line.strip()]
    entries: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        if len(row) != 2:
            raise errors.ClientError(f"{_INVALID}: entry {number} has no separator")
        source, target = row[0].strip(), row[1].strip()
        if not source or not target:
            raise errors.ClientError(f"{_INVALID}: entry {number} has an empty term")
        if len(source) > MAX_TERM_CHARS or len(target) > MAX_TERM_CHARS:
            raise errors.ClientError(
                f"{_INVALID}: entry {number} is over {MAX_TERM_CHARS} characters"
            )
        if any(ord(char) < 32 or 127 <= ord(char) < 160 for char in source + target):
            raise errors.ClientError(f"{_INVALID}: entry {number} has a control character")
        if source in entries:
            raise errors.ClientError(f"{_INVALID}: entry {number} repeats the source term")
        entries[source] = target
    if not entries:
        raise errors.ClientError(f"{_INVALID}: there are none")
    if len(entries) > MAX_ENTRIES:
        raise errors.ClientError(f"{_INVALID}: more than {MAX_ENTRIES}")
    return list(entries.items())


def _describe(glossary: Glossary) -> dict[str, Any]:
    return DeepLGlossary(
        glossary_id=glossary.glossary_id,
        name=glossary.name,
        ready=True,
        source_lang=glossary.source,
        target_lang=glossary.target,
        creation_time=glossary.created,
        entry_count=len(glossary.entries),
    ).model_dump()


def _mine(glossary_id: str) -> Glossary:
    glossary = store().glossary(owner(), glossary_id)
    if glossary is None:
        raise errors.NotFound("Glossary not found")
    return glossary


@blueprint.post("/glossaries")
@documented(
    ok=DeepLGlossary,
    json=DeepLGlossaryRequest,
    form=DeepLGlossaryRequest,
    errors=ERRORS,
    error_model=DeepLError,
    tags=TAGS,
    status=201,
)
def create_view() -> tuple[dict[str, Any], int]:
    """Store a glossary for this key; 201 with its description."""
    request_body = validate(DeepLGlossaryRequest, body())
    source = SOURCE_CODES.get(request_body.source_lang.upper())
    target = SOURCE_CODES.get(request_body.target_lang.upper())
    pairs = state().translation_pairs()
    if source is None or target is None or (source, target) not in pairs:
        raise errors.ClientError("Unsupported glossary source and target language pair")
    entries = parse_entries(request_body.entries, request_body.entries_format)
    glossary = store().create_glossary(owner(), request_body.name, source, target, entries)
    return _describe(glossary), 201


@blueprint.get("/glossaries")
@documented(ok=DeepLGlossaries, errors=(403, 429), error_model=DeepLError, tags=TAGS)
def list_view() -> dict[str, Any]:
    """This key's glossaries."""
    return {"glossaries": [_describe(g) for g in store().glossaries(owner())]}


@blueprint.get("/glossaries/<glossary_id>")
@documented(ok=DeepLGlossary, errors=(403, 404, 429), error_model=DeepLError, tags=TAGS)
def get_view(glossary_id: str) -> dict[str, Any]:
    """One of this key's glossaries; 404 for any other."""
    return _describe(_mine(glossary_id))


@blueprint.get("/glossaries/<glossary_id>/entries")
@documented(errors=(403, 404, 429), error_model=DeepLError, tags=TAGS)
def entries_view(glossary_id: str) -> Response:
    """The entries as tab-separated values, one `source<TAB>target` a line."""
    glossary = _mine(glossary_id)
    text = "\n".join(f"{source}\t{target}" for source, target in glossary.entries)
    return Response(text, mimetype="text/tab-separated-values")


@blueprint.delete("/glossaries/<glossary_id>")
@documented(errors=(403, 404, 429), error_model=DeepLError, tags=TAGS, status=204)
def delete_view(glossary_id: str) -> Response:
    """Delete one of this key's glossaries; 204."""
    if not store().delete_glossary(owner(), glossary_id):
        raise errors.NotFound("Glossary not found")
    return Response(status=204)


@blueprint.get("/glossary-language-pairs")
@documented(ok=DeepLGlossaryPairs, errors=(403, 429), error_model=DeepLError, tags=TAGS)
def pairs_view() -> dict[str, Any]:
    """The language pairs a glossary may have: those the profile translates."""
    pairs = state().translation_pairs()
    supported = [DeepLGlossaryPair(source_lang=s, target_lang=t) for s, t in pairs]
    return DeepLGlossaryPairs(supported_languages=supported).model_dump()
