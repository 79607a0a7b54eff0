"""tarjoman translate FILE --url against a real gunicorn, stopped with Ctrl-C and resumed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.settings import PROJECT_ROOT
from tests.conftest import data_file
from tests.integration.conftest import Server

pytestmark = pytest.mark.integration


def tarjoman(*argv: str) -> subprocess.Popen[str]:
    """The tarjoman command in a child process."""
    return subprocess.Popen(
        [sys.executable, "-m", "service", *argv],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def lines_in(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_ctrl_c_then_resume_against_a_server(tiny_server: Server, tmp_path: Path) -> None:
    persian = data_file("ntrex/newstest2019-ref.fas.txt").read_text(encoding="utf-8")
    sentences = persian.splitlines()[:200]
    source = tmp_path / "ntrex-fa.jsonl"
    rows = [json.dumps({"id": i, "fa": s}, ensure_ascii=False) for i, s in enumerate(sentences)]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    output = tmp_path / "ntrex-en.jsonl"
    argv = ["translate", str(source), "-o", str(output), "--field", "fa", "--source", "fa"]
    argv += ["--url", tiny_server.url, "--batch-size", "1"]

    first = tarjoman(*argv)
    deadline = time.monotonic() + 120
    while lines_in(output) < 10 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=60)
    assert first.returncode == 130, err
    assert "interrupted" in err
    done = lines_in(output)
    assert 10 <= done < 200
    kept = output.read_bytes()
    assert kept.endswith(b"\n")  # only whole lines

    second = tarjoman(*argv)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err
    assert f"resuming: {done} of 200" in out
    assert "200/200" in err
    assert output.read_bytes().startswith(kept)
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == list(range(200))
    assert all(line["tarjoman"]["model"] == "tiny-marian-fa-en" for line in lines)
    assert all(line["tarjoman"]["demo"] is True for line in lines)
    assert "demo models" in err


def test_a_txt_file_against_a_server(tiny_server: Server, tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("The ministry met.\n\nThe talks ended.\n", encoding="utf-8")
    output = tmp_path / "out.txt"
    run = tarjoman("translate", str(source), "-o", str(output), "--url", tiny_server.url + "/")
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    lines = output.read_text(encoding="utf-8").split("\n")
    assert len(lines) == 4  # three lines and the final newline
    assert [bool(line.strip()) for line in lines] == [True, False, True, False]
    assert "3 texts processed, 0 skipped, 0 failed" in out


def test_summarize_ntrex_articles_into_english_against_a_server(
    tiny_server: Server, tmp_path: Path
) -> None:
    persian = data_file("ntrex/newstest2019-ref.fas.txt").read_text(encoding="utf-8").splitlines()
    ids = data_file("ntrex/DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
    articles: dict[str, list[str]] = {}
    for doc, line in zip(ids, persian, strict=True):
        if doc not in articles and len(articles) == 3:
            break
        articles.setdefault(doc, []).append(line)
    source = tmp_path / "articles.jsonl"
    rows = [
        json.dumps({"doc": d, "body": " ".join(s)}, ensure_ascii=False) for d, s in articles.items()
    ]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    output = tmp_path / "summaries.jsonl"
    run = tarjoman(
        "summarize", str(source), "-o", str(output), "--field", "body", "--source", "fa",
        "--target", "en", "--max-sentences", "2", "--url", tiny_server.url,
    )  # fmt: skip
    out, err = run.communicate(timeout=300)
    assert "3 texts processed, 0 skipped, 0 failed" in out
    assert run.returncode == 0, err
    lines = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [line["doc"] for line in lines] == list(articles)
    for line in lines:
        assert line["summary"].strip()
        meta = line["tarjoman"]
        assert (meta["source"], meta["target"]) == ("fa", "en")
        assert meta["strategy"]
        assert meta["models"]
        assert meta["demo"] is True  # tiny models wrote or translated it: not a summary
    assert "3/3" in err
