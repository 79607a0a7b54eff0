"""Jobs in real gunicorn with the tiny models: a 30-page .docx finishes; a SIGKILL loses nothing.

The 100-article JSONL job runs in tests/jobs/test_api.py (same pipeline, fake models: fast).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
import requests
from docx.oxml.ns import qn

from tests.jobs.documents import make_docx, sentences
from tests.jobs.servers import kill, start_gunicorn, tiny_env, wait_job

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _articles(count: int, per_article: int = 4) -> bytes:
    lines = (
        json.dumps({"id": n, "text": " ".join(sentences(per_article, seed=n))})
        for n in range(count)
    )
    return ("\n".join(lines) + "\n").encode()


def _submit(url: str, name: str, data: bytes, **fields: str) -> str:
    response = requests.post(
        f"{url}/v1/jobs", files={"file": (name, data)}, data={"source": "en", **fields}, timeout=60
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def _done(body: dict[str, object]) -> bool:
    return body.get("state") == "done"


def test_a_30_page_docx_completes(test_models_dir: Path, tmp_path: Path) -> None:
    env = tiny_env(test_models_dir, tmp_path / "jobs")
    process, url = start_gunicorn(env, tmp_path / "server.log")
    try:
        report = make_docx(paragraphs=330)  # ~30 pages of 11 paragraphs, a table, header, footer
        job = _submit(url, "report.docx", report, target="fa")
        body = wait_job(url, job, _done, timeout=300)
        assert body["progress"] == {"done": 336, "total": 336, "failed": 0}
        result = requests.get(f"{url}{body['result_url']}", timeout=60)
    finally:
        kill(process)
    source = docx.Document(io.BytesIO(report))
    out = docx.Document(io.BytesIO(result.content))
    assert len(out.paragraphs) == len(source.paragraphs)
    assert [p.text for p in out.paragraphs] != [p.text for p in source.paragraphs]
    assert out.paragraphs[0].runs[0].bold
    assert out.paragraphs[1]._p.pPr.find(qn("w:bidi")) is not None  # Persian: right-to-left
    assert out.sections[0].header.paragraphs[0].text != source.sections[0].header.paragraphs[0].text


def test_a_job_survives_sigkill_of_the_server(test_models_dir: Path, tmp_path: Path) -> None:
    env = tiny_env(test_models_dir, tmp_path / "jobs")
    log = tmp_path / "server.log"
    count = 160
    process, url = start_gunicorn(env, log)
    try:
        job = _submit(url, "news.jsonl", _articles(count, per_article=2), target="fa")
        body = wait_job(url, job, lambda b: b.get("progress", {}).get("done", 0) >= 8)
    finally:
        kill(process)  # SIGKILL to the master and its worker, mid-job
    assert body["state"] == "running"
    assert body["progress"]["done"] < count, "the job finished before the kill: make it longer"
    process, url = start_gunicorn(env, log)
    try:
        body = wait_job(url, job, _done, timeout=300)
        result = requests.get(f"{url}{body['result_url']}", timeout=60).text
    finally:
        kill(process)
    assert body["attempts"] == 2
    assert body["progress"] == {"done": count, "total": count, "failed": 0}
    rows = [json.loads(line) for line in result.splitlines()]
    assert [row["id"] for row in rows] == list(range(count))
    assert all(row["translation"].strip() for row in rows)
    checkpoint = tmp_path / "jobs" / "files" / job / "progress.jsonl"
    assert len(checkpoint.read_text(encoding="utf-8").splitlines()) == count  # each item once
