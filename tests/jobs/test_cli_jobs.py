"""`tarjoman translate FILE --url` sends a big file as one job, and a rerun resumes that job."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from service.cli import main
from tests.jobs.documents import sentences


@pytest.fixture
def server(jobs_app: Callable[..., Flask]) -> Iterator[tuple[str, Flask]]:
    """The app over the fake engine behind a real HTTP server on loopback."""
    app = jobs_app()
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}", app
    http.shutdown()


def test_a_file_over_the_size_goes_as_a_job(server: tuple[str, Flask], tmp_path: Path) -> None:
    url, app = server
    source = tmp_path / "news.jsonl"
    texts = sentences(30)
    source.write_text("\n".join(json.dumps({"body": t}) for t in texts) + "\n", encoding="utf-8")
    output = tmp_path / "news.fa.jsonl"
    argv = ["translate", str(source), "-o", str(output), "--url", url, "--field", "body"]
    assert main([*argv, "--target", "fa", "--job-over", "100"]) == 0
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [r["translation"] for r in rows] == [f"[fa] {t}" for t in texts]
    assert not (tmp_path / "news.fa.jsonl.job").exists()
    jobs = app.test_client().get("/v1/jobs").get_json()["jobs"]
    assert len(jobs) == 1
    assert jobs[0]["format"] == "jsonl"


def test_a_rerun_resumes_the_job_it_started(server: tuple[str, Flask], tmp_path: Path) -> None:
    url, app = server
    client = app.test_client()
    source = tmp_path / "a.txt"
    source.write_text("\n".join(sentences(5)) + "\n", encoding="utf-8")
    job = client.post("/v1/jobs", json={"text": "x"}).get_json()  # one job already there
    output = tmp_path / "a.fa.txt"
    started = client.post(
        "/v1/jobs", data={"file": (source.open("rb"), "a.txt"), "target": "fa"}
    ).get_json()
    (tmp_path / "a.fa.txt.job").write_text(started["id"])  # what an interrupted run leaves
    assert main(["translate", str(source), "-o", str(output), "--url", url, "--job-over", "1"]) == 0
    assert output.read_text(encoding="utf-8").splitlines()[0].startswith("[fa] ")
    assert len(client.get("/v1/jobs").get_json()["jobs"]) == 2  # no second upload
    assert job["id"] != started["id"]
