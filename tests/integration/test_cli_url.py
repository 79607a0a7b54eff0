"""tarjoman translate FILE --url against a real gunicorn, stopped with Ctrl-C and resumed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from service.settings import PROJECT_ROOT
from tests.conftest import data_file
from tests.integration.conftest import Server

pytestmark = pytest.mark.integration


def _default_sigint() -> None:
    # A shell starts background jobs with SIGINT ignored, and a child inherits that: Python
    # then installs no KeyboardInterrupt handler and Ctrl-C does nothing. Run as a terminal would.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def tarjoman(*argv: str) -> subprocess.Popen[str]:
    """The tarjoman command in a child process, with Ctrl-C's default disposition."""
    return subprocess.Popen(
        [sys.executable, "-m", "service", *argv],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def lines_in(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


class StallingProxy:
    """Forwards POSTs to the server, then holds every request past the first `passes`."""

    def __init__(self, upstream: str, passes: int) -> None:
        self.upstream = upstream
        self.passes = passes
        self.forwarded = 0
        self.stalled = threading.Event()  # a request is being held
        self.release = threading.Event()
        self._lock = threading.Lock()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy._lock:
                    hold = proxy.forwarded >= proxy.passes
                    proxy.forwarded += 0 if hold else 1
                if hold:
                    proxy.stalled.set()
                    proxy.release.wait(60)
                answer = requests.post(
                    proxy.upstream + self.path,
                    data=body,
                    headers={"Content-Type": self.headers.get("Content-Type", "")},
                    timeout=60,
                )
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", ""))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def stalling_proxy(tiny_server: Server) -> Iterator[tuple[str, StallingProxy]]:
    """A proxy on 127.0.0.1 that lets 10 requests through to the server and holds the 11th."""
    proxy = StallingProxy(tiny_server.url, passes=10)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), proxy.handler())
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", proxy
    proxy.release.set()
    httpd.shutdown()
    httpd.server_close()


def test_ctrl_c_then_resume_against_a_server(
    tiny_server: Server, stalling_proxy: tuple[str, StallingProxy], tmp_path: Path
) -> None:
    persian = data_file("ntrex/newstest2019-ref.fas.txt").read_text(encoding="utf-8")
    sentences = persian.splitlines()[:200]
    source = tmp_path / "ntrex-fa.jsonl"
    rows = [json.dumps({"id": i, "fa": s}, ensure_ascii=False) for i, s in enumerate(sentences)]
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    output = tmp_path / "ntrex-en.jsonl"
    argv = ["translate", str(source), "-o", str(output), "--field", "fa", "--source", "fa"]
    argv += ["--batch-size", "1"]

    # The first run goes through the proxy, which holds its 11th request: Ctrl-C lands mid-run.
    proxy_url, proxy = stalling_proxy
    first = tarjoman(*argv, "--url", proxy_url)
    assert proxy.stalled.wait(120), "the command never reached its 11th request"
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=60)
    assert first.returncode == 130, err
    assert "interrupted" in err
    done = lines_in(output)
    assert done == 10
    kept = output.read_bytes()
    assert kept.endswith(b"\n")  # only whole lines

    second = tarjoman(*argv, "--url", tiny_server.url)
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
