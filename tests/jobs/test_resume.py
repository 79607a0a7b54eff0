"""A job running when its process died resumes from its checkpoint in the next process."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from service.jobs.build import INDEX
from service.jobs.store import SQLiteStore
from tests.fakes import FakeBackend
from tests.jobs.conftest import wait_for
from tests.jobs.documents import sentences


def test_a_job_left_running_resumes_after_its_lease_in_a_new_app(
    jobs_app: Callable[..., Flask], fake_backend: FakeBackend, tmp_path: Path
) -> None:
    texts = sentences(20)
    first = jobs_app(job_threads=0).test_client()
    job_id = first.post("/v1/jobs", json={"text": texts, "target": "fa"}).get_json()["id"]
    # What a process killed mid-job leaves: the job claimed under a lease, 8 items checkpointed
    # and a ninth line cut short by the kill.
    store = SQLiteStore(tmp_path / "jobs" / INDEX)
    assert store.claim(None, time.time(), 2) is not None
    lines = [json.dumps({"text": f"kept {n}", "error": None, "meta": {}}) for n in range(8)]
    progress = tmp_path / "jobs" / "files" / job_id / "progress.jsonl"
    progress.write_text("\n".join(lines) + '\n{"text": "half', encoding="utf-8")

    second = jobs_app(job_threads=1).test_client()  # a new process: it finds the index at start
    done = wait_for(second, job_id)
    assert done["state"] == "done"
    assert done["attempts"] == 2
    assert done["progress"] == {"done": 20, "total": 20, "failed": 0}
    results = second.get(done["result_url"]).get_json()["results"]
    assert [r["text"] for r in results[:8]] == [f"kept {n}" for n in range(8)]
    assert [r["text"] for r in results[8:]] == [f"[fa] {t}" for t in texts[8:]]
    computed = [text for _, batch in fake_backend.batches for text in batch]
    assert sorted(computed) == sorted(texts[8:])  # each remaining item once, none of the done


def test_a_live_lease_is_not_taken_over(jobs_app: Callable[..., Flask], tmp_path: Path) -> None:
    client = jobs_app(job_threads=0).test_client()
    job_id = client.post("/v1/jobs", json={"text": "Hello."}).get_json()["id"]
    store = SQLiteStore(tmp_path / "jobs" / INDEX)
    now = time.time()
    claimed = store.claim(None, now, 60)
    assert claimed is not None
    assert claimed.id == job_id
    assert store.claim(None, now + 1, 60) is None  # still leased
    assert store.claim(None, now + 61, 60) is not None  # abandoned: taken over
    assert not store.heartbeat(job_id, claimed.attempts, now + 90, 0, 0)  # the old runner lost it
