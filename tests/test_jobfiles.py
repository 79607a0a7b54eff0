"""Input and output files of the file commands: formats, records, resume points."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.jobfiles import (
    JobFileError,
    Outcome,
    Record,
    completed_lines,
    guess_format,
    output_line,
    read_records,
)


def test_format_follows_the_suffix() -> None:
    assert guess_format(Path("a.jsonl")) == "jsonl"
    assert guess_format(Path("a.NDJSON")) == "jsonl"
    assert guess_format(Path("a.txt")) == "txt"
    assert guess_format(Path("articles")) == "txt"


def test_txt_is_one_record_a_line_blank_lines_included(tmp_path: Path) -> None:
    path = tmp_path / "in.txt"
    path.write_text("first\n\nthird\n", encoding="utf-8")
    assert [r.text for r in read_records(path, "txt", "text")] == ["first", "", "third"]


def test_jsonl_reads_the_named_field_and_keeps_the_object(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    rows = [{"id": 1, "body": "سلام"}, {"id": 2, "body": "Hello"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    records = read_records(path, "jsonl", "body")
    assert records == [Record("سلام", rows[0]), Record("Hello", rows[1])]


@pytest.mark.parametrize(
    ("content", "problem"),
    [("{oops\n", "not valid JSON"), ('{"text": 3}\n', "string field"), ("[1]\n", "string field")],
)
def test_bad_jsonl_names_file_and_line(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "fine"}\n' + content, encoding="utf-8")
    with pytest.raises(JobFileError, match=rf"in\.jsonl:2: .*{problem}"):
        read_records(path, "jsonl", "text")


def test_a_missing_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(JobFileError, match="cannot read"):
        read_records(tmp_path / "absent.txt", "txt", "text")


def test_completed_lines_drops_a_line_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    assert completed_lines(path) == 0
    path.write_bytes(b'{"a": 1}\n{"a": 2}\n{"a"')
    assert completed_lines(path) == 2
    assert path.read_bytes() == b'{"a": 1}\n{"a": 2}\n'


def test_txt_output_is_one_line_per_input() -> None:
    line = output_line(Record("x"), Outcome("one\ntwo", {}), "txt", "translation")
    assert line == "one two"


def test_jsonl_output_keeps_the_input_and_adds_text_and_metadata() -> None:
    record = Record("سلام", {"id": 7, "text": "سلام"})
    outcome = Outcome("hello", {"model": "m", "demo": True})
    line = json.loads(output_line(record, outcome, "jsonl", "translation"))
    assert line == {"id": 7, "text": "سلام", "translation": "hello", "tarjoman": outcome.meta}


def test_jsonl_output_of_a_txt_record_and_an_error() -> None:
    line = json.loads(output_line(Record("hi"), Outcome("", {}, "too long"), "jsonl", "t"))
    assert line == {"text": "hi", "t": "", "tarjoman": {"error": "too long"}}
