"""JSONL: one object a line, the text in a field; the output goes in another, as in the CLI."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.jobs.documents import DocumentError, Rendered, Unit, decode_text
from service.jobs.model import JobSpec

OUTPUT_FIELD = {"translate": "translation", "summarize": "summary"}


@dataclass(frozen=True)
class JsonlDocument:
    """Records with a text field each."""

    records: tuple[dict[str, Any], ...]
    field: str
    output_field: str

    @property
    def units(self) -> list[Unit]:
        """The text of each record."""
        return [Unit(record[self.field]) for record in self.records]

    def plain_text(self) -> str:
        """Every record's text, a paragraph each."""
        return "\n\n".join(record[self.field] for record in self.records)

    def render(self, outputs: Sequence[str], target: str) -> Rendered:
        """Each record with its output in the output field."""
        lines = [
            json.dumps({**record, self.output_field: output}, ensure_ascii=False)
            for record, output in zip(self.records, outputs, strict=True)
        ]
        return Rendered(("\n".join(lines) + "\n").encode("utf-8"), "application/x-ndjson", ".jsonl")


def load(data: bytes, spec: JobSpec) -> JsonlDocument:
    """One JSON object a line with a non-blank string `spec.field`; blank lines skipped."""
    records = []
    for number, line in enumerate(decode_text(data, "file").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise DocumentError(f"line {number}: not valid JSON: {exc}") from None
        if not isinstance(record, dict) or not isinstance(record.get(spec.field), str):
            raise DocumentError(f"line {number}: not an object with a string field {spec.field!r}")
        records.append(record)
    if not records:
        raise DocumentError("the file has no records")
    output_field = spec.output_field or OUTPUT_FIELD[spec.task]
    return JsonlDocument(tuple(records), spec.field, output_field)
