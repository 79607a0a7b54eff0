"""tarjoman translate/summarize FILE over a fake engine: alignment, formats, resume, failures."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from service import filecommands
from service.apiclient import ApiClient, InProcessTransport
from service.cli import build_parser
from service.engine import Engine
from service.settings import Settings
from tests.fakes import FakeBackend

Run = Callable[..., int]
# Words, not digits: the service writes Persian digits in Persian output.
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


@pytest.fixture
def run(fake_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """Run a tarjoman command line in this process, its service over the fake engine."""

    def client(args: argparse.Namespace, settings: Settings) -> ApiClient:
        return ApiClient(InProcessTransport(fake_engine.settings, engine=fake_engine), args.api_key)

    monkeypatch.setattr(filecommands, "make_client", client)

    def run_command(*argv: str) -> int:
        args = build_parser().parse_args(argv)
        result: int = args.run(args, fake_engine.settings)
        return result

    return run_command


def sent_texts(backend: FakeBackend) -> list[str]:
    """Every segment the fake models were given, in order."""
    return [text for _, batch in backend.batches for text in batch]


def test_txt_lines_come_out_aligned_blank_lines_kept(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("Good morning.\n\nصبح بخیر.\n", encoding="utf-8")
    output = tmp_path / "out.txt"
    assert run("translate", str(source), "-o", str(output), "--batch-size", "2") == 0
    assert output.read_text(encoding="utf-8").splitlines() == [
        "[fa] Good morning.",
        "",
        "[en] صبح بخیر.",
    ]


def test_jsonl_keeps_fields_and_adds_output_and_metadata(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    rows = [{"id": i, "body": f"Sentence number {WORDS[i]}."} for i in range(5)]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    output = tmp_path / "out.jsonl"
    code = run(
        "translate", str(source), "-o", str(output), "--field", "body", "--target", "fa",
        "--output-field", "fa",
    )  # fmt: skip
    assert code == 0
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == list(range(5))
    assert [line["fa"] for line in lines] == [f"[fa] Sentence number {w}." for w in WORDS[:5]]
    expected = {"source": "en", "target": "fa", "model": "tiny-marian-en-fa", "demo": True}
    assert expected.items() <= lines[0]["tarjoman"].items()  # and whatever else a result says


def test_a_second_run_skips_lines_already_done(
    run: Run, tmp_path: Path, fake_backend: FakeBackend
) -> None:
    source = tmp_path / "in.txt"
    source.write_text("".join(f"Line {w} is here.\n" for w in WORDS[:6]), encoding="utf-8")
    output = tmp_path / "out.txt"
    # Two lines done, a third cut short by a crash: the cut line is redone, the others are not.
    output.write_text("kept zero\nkept one\n[fa] Li", encoding="utf-8")
    assert run("translate", str(source), "-o", str(output)) == 0
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["kept zero", "kept one"]
    assert lines[2:] == [f"[fa] Line {w} is here." for w in WORDS[2:6]]
    assert sorted(sent_texts(fake_backend)) == sorted(f"Line {w} is here." for w in WORDS[2:6])


def test_an_output_longer_than_the_input_is_refused(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("One.\n", encoding="utf-8")
    output = tmp_path / "out.txt"
    output.write_text("a\nb\n", encoding="utf-8")
    assert run("translate", str(source), "-o", str(output)) == 2
    assert output.read_text(encoding="utf-8") == "a\nb\n"


def test_a_refused_text_fails_alone(
    run: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    # The middle text is half Persian, half Latin letters: the service will not guess its language.
    texts = ["The first one.", "Tehran تهران", "The third one."]
    source.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    output = tmp_path / "out.jsonl"
    code = run("translate", str(source), "-o", str(output))
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    outputs = [line["translation"] for line in lines]
    assert outputs == ["[fa] The first one.", "", "[fa] The third one."]
    assert "too mixed" in lines[1]["tarjoman"]["error"]
    assert code == 1
    assert "1 failed" in capsys.readouterr().out


def test_interrupted_then_resumed_without_redoing(
    run: Run, tmp_path: Path, fake_backend: FakeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "in.txt"
    source.write_text("".join(f"Sentence {w} of ten.\n" for w in WORDS), encoding="utf-8")
    output = tmp_path / "out.txt"
    real_post = InProcessTransport.post
    calls = []

    def post_then_stop(self: InProcessTransport, *args: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # as Ctrl-C during the third request
        return real_post(self, *args)

    monkeypatch.setattr(InProcessTransport, "post", post_then_stop)
    assert run("translate", str(source), "-o", str(output), "--batch-size", "3") == 130
    assert output.read_text(encoding="utf-8").count("\n") == 6
    monkeypatch.setattr(InProcessTransport, "post", real_post)
    fake_backend.batches.clear()
    assert run("translate", str(source), "-o", str(output), "--batch-size", "3") == 0
    assert sorted(sent_texts(fake_backend)) == sorted(f"Sentence {w} of ten." for w in WORDS[6:])
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines == [f"[fa] Sentence {w} of ten." for w in WORDS]


def test_a_service_refusal_stops_the_run_and_keeps_the_work(
    run: Run,
    tmp_path: Path,
    fake_backend: FakeBackend,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from service.errors import Overloaded

    source = tmp_path / "in.txt"
    source.write_text("One here.\nTwo here.\n", encoding="utf-8")
    output = tmp_path / "out.txt"
    fake_backend.fail_with = Overloaded("queue full", retry_after=0.01)
    monkeypatch.setattr("service.apiclient.sleep", lambda seconds: None)
    code = run("translate", str(source), "-o", str(output), "--batch-size", "1")
    assert code == 1
    assert "503: queue full" in capsys.readouterr().err
    assert output.read_text(encoding="utf-8") == ""


@pytest.mark.slow
def test_200_ntrex_sentences_in_process_with_progress_and_resume(
    test_models_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The default path: the real engine with the tiny models, in this process."""
    from service.cli import main
    from tests.conftest import data_file

    english = data_file("ntrex/newstest2019-src.eng.txt").read_text(encoding="utf-8")
    sentences = english.splitlines()[:200]
    source = tmp_path / "ntrex.jsonl"
    rows = [{"id": i, "en": text} for i, text in enumerate(sentences)]
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    output = tmp_path / "ntrex.fa.jsonl"
    for name, value in {
        "TARJOMAN_PROFILE": "tiny",
        "TARJOMAN_MODELS_DIR": str(test_models_dir),
        "TARJOMAN_MAX_NEW_TOKENS": "4",
        "TARJOMAN_TORCH_THREADS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    argv = ["translate", str(source), "-o", str(output), "--field", "en", "--target", "fa"]
    argv += ["--batch-size", "25"]
    real_post = InProcessTransport.post
    sent: list[str] = []

    stop_at: list[int] = [100]

    def post(self: InProcessTransport, path: str, body: dict[str, Any], headers: Any) -> Any:
        if len(sent) in stop_at:
            raise KeyboardInterrupt  # Ctrl-C as the fifth request starts
        sent.extend(body["text"])
        return real_post(self, path, body, headers)

    monkeypatch.setattr(InProcessTransport, "post", post)
    assert main(argv) == 130
    first = capsys.readouterr()
    assert "100/200" in first.err  # tqdm's bar, on stderr
    assert "interrupted" in first.err
    done_before = output.read_bytes()
    assert done_before.count(b"\n") == 100

    sent.clear()
    stop_at.clear()
    assert main(argv) == 0
    second = capsys.readouterr()
    assert "resuming: 100 of 200" in second.out
    assert "200/200" in second.err
    assert sent == sentences[100:]  # only the lines not yet in the output
    assert output.read_bytes().startswith(done_before)
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == list(range(200))
    assert all(line["en"] == sentences[line["id"]] for line in lines)
    assert all(isinstance(line["translation"], str) for line in lines)
    assert {line["tarjoman"]["model"] for line in lines} == {"tiny-marian-en-fa"}
    assert all(line["tarjoman"]["demo"] is True for line in lines)


def test_an_unreachable_server_stops_the_run_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from service.cli import main
    from tests.integration.conftest import free_port

    source = tmp_path / "in.txt"
    source.write_text("One here.\n", encoding="utf-8")
    output = tmp_path / "out.txt"
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["translate", str(source), "-o", str(output), "--url", url]) == 1
    assert f"cannot reach {url}" in capsys.readouterr().err
    assert output.read_text(encoding="utf-8") == ""


def test_a_url_that_is_not_http_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from service.cli import main

    source = tmp_path / "in.txt"
    source.write_text("One here.\n", encoding="utf-8")
    code = main(["translate", str(source), "-o", str(tmp_path / "o.txt"), "--url", "file:///etc"])
    assert code == 2
    assert "--url must start with http://" in capsys.readouterr().err


def test_summarize_writes_one_summary_per_text(run: Run, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    articles = [
        "The ministry met on Monday. The talks were long. They agreed on a plan.",
        "Rain fell all week. Rivers rose. Roads were closed in the north.",
    ]
    source.write_text("".join(json.dumps({"body": a}) + "\n" for a in articles), encoding="utf-8")
    output = tmp_path / "out.jsonl"
    code = run(
        "summarize", str(source), "-o", str(output), "--field", "body", "--mode", "extractive",
        "--max-sentences", "1",
    )  # fmt: skip
    assert code == 0
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [line["body"] for line in lines] == articles
    for line, article in zip(lines, articles, strict=True):
        assert line["summary"].strip()
        assert line["summary"] in article  # one extractive sentence of its own article
        assert line["tarjoman"]["strategy"] == "extractive"
        assert line["tarjoman"]["demo"] is False  # quoted source sentences: no model wrote them


def test_an_option_the_service_refuses_stops_before_writing(
    run: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.txt"
    source.write_text("One here.\nTwo here.\n", encoding="utf-8")
    output = tmp_path / "out.txt"
    # The service's request schema forbids `source` equal to `target`: every text would fail.
    code = run("translate", str(source), "-o", str(output), "--source", "en", "--target", "en")
    assert code == 1
    assert "source and target are both 'en'" in capsys.readouterr().err
    assert output.read_text(encoding="utf-8") == ""
