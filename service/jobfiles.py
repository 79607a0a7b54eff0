"""Files of texts for the translate and summarize commands: TXT or JSONL, in and out, resumable."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

FileFormat = Literal["txt", "jsonl"]
FORMATS: tuple[FileFormat, ...] = ("txt", "jsonl")
META_FIELD = "tarjoman"


class JobFileError(ValueError):
    """An input or output file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Record:
    """One text to process, and the JSONL object it came from (None for TXT)."""

    text: str
    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class Outcome:
    """What the service gave for one record: the text, its metadata, or an error."""

    text: str
    meta: dict[str, Any]
    error: str | None = None


def guess_format(path: Path) -> FileFormat:
    """JSONL for .jsonl/.ndjson files, else TXT."""
    return "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "txt"


def read_records(path: Path, fmt: FileFormat, field: str) -> list[Record]:
    """Every record of the input: TXT one text a line, JSONL one object a line with `field`."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise JobFileError(f"cannot read {path}: {exc}") from None
    if fmt == "txt":
        return [Record(line) for line in lines]
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue  # blank lines carry no record, in both runs of a resumed job
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise JobFileError(f"{path}:{number}: not valid JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get(field), str):
            raise JobFileError(f"{path}:{number}: not an object with a string field {field!r}")
        records.append(Record(data[field], data))
    return records


def completed_lines(path: Path) -> int:
    """Complete lines already in the output; a last line cut short by a crash is removed."""
    if not path.exists():
        return 0
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        with path.open("r+b") as handle:  # a half-written line would be read as done
            handle.truncate(cut)
        data = data[:cut]
    return data.count(b"\n")


def output_line(record: Record, outcome: Outcome, fmt: FileFormat, field: str) -> str:
    """The output line of one record, without its newline."""
    if fmt == "txt":
        # One line per input keeps the files aligned: line breaks inside an output become spaces.
        return " ".join(outcome.text.split("\n"))
    data: dict[str, Any] = dict(record.data) if record.data is not None else {"text": record.text}
    data[field] = outcome.text
    meta = dict(outcome.meta)
    if outcome.error is not None:
        meta["error"] = outcome.error
    data[META_FIELD] = meta
    return json.dumps(data, ensure_ascii=False)
