"""The jobs API over the fake engine: submit, poll, result, list, delete, limits, bad input."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from typing import Any

import docx
from flask import Flask

from tests.fakes import FakeBackend
from tests.jobs.conftest import wait_for
from tests.jobs.documents import make_docx, sentences

MULTIPART = "multipart/form-data"
UNREADABLE_NAME = (
    b'--B\r\nContent-Disposition: form-data; name="9\\"\r\n\r\nx\r\n'
    b'--B\r\nContent-Disposition: form-data; name="colour"\r\n\r\nred\r\n'
    b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nx\r\n'
    b"--B--\r\n"
)


def upload(name: str, data: bytes, **fields: str) -> dict[str, Any]:
    return {
        "data": {"file": (io.BytesIO(data), name), **fields},
        "content_type": "multipart/form-data",
    }


def test_json_texts_job_runs_to_a_json_result(jobs_app: Callable[..., Flask]) -> None:
    client = jobs_app().test_client()
    response = client.post(
        "/v1/jobs", json={"text": ["Hello world.", "Good night."], "target": "fa"}
    )
    assert response.status_code == 202
    body = response.get_json()
    assert response.headers["Location"] == body["url"] == f"/v1/jobs/{body['id']}"
    assert body["state"] == "queued"
    assert body["progress"] == {"done": 0, "total": 2, "failed": 0}
    done = wait_for(client, body["id"])
    assert done["state"] == "done"
    assert done["progress"]["done"] == 2
    assert done["started"]
    assert done["finished"]
    assert done["expires"]
    result = client.get(done["result_url"])
    assert result.status_code == 200
    assert result.mimetype == "application/json"
    data = result.get_json()
    assert [r["text"] for r in data["results"]] == ["[fa] Hello world.", "[fa] Good night."]
    assert data["demo"] is True


def test_a_100_article_jsonl_job_completes(jobs_app: Callable[..., Flask]) -> None:
    articles = [" ".join(sentences(4, seed)) for seed in range(100)]
    lines = "\n".join(json.dumps({"id": i, "body": a}) for i, a in enumerate(articles))
    client = jobs_app().test_client()
    response = client.post(
        "/v1/jobs", **upload("news.jsonl", lines.encode(), field="body", target="fa")
    )
    assert response.status_code == 202, response.get_json()
    done = wait_for(client, response.get_json()["id"])
    assert done["progress"] == {"done": 100, "total": 100, "failed": 0}
    rows = [
        json.loads(line)
        for line in client.get(done["result_url"]).get_data(as_text=True).splitlines()
    ]
    assert [r["id"] for r in rows] == list(range(100))
    assert all(r["translation"].startswith("[fa] ") for r in rows)


def test_docx_upload_comes_back_as_docx(jobs_app: Callable[..., Flask]) -> None:
    client = jobs_app().test_client()
    response = client.post("/v1/jobs", **upload("report.docx", make_docx(5), target="fa"))
    done = wait_for(client, response.get_json()["id"])
    assert done["state"] == "done", done
    result = client.get(done["result_url"])
    assert result.mimetype.endswith("wordprocessingml.document")
    assert "report.translated.docx" in result.headers["Content-Disposition"]
    out = docx.Document(io.BytesIO(result.data))
    assert all(p.text.startswith("[fa]") for p in out.paragraphs if p.text)
    assert out.paragraphs[0].runs[0].bold  # the bold run kept its formatting


def test_summary_of_a_document_is_json(jobs_app: Callable[..., Flask]) -> None:
    client = jobs_app().test_client()
    text = " ".join(sentences(12)).encode()
    response = client.post(
        "/v1/jobs", **upload("a.txt", text, task="summarize", mode="extractive", max_sentences="2")
    )
    assert response.status_code == 202, response.get_json()
    done = wait_for(client, response.get_json()["id"])
    data = client.get(done["result_url"]).get_json()
    assert len(data["results"]) == 1
    assert data["results"][0]["strategy"] == "extractive"
    assert len(data["results"][0]["sentences"]) == 2


def test_a_failing_item_is_reported_and_the_rest_done(jobs_app: Callable[..., Flask]) -> None:
    client = jobs_app().test_client()
    texts = ["Hello there.", "سلام hello دنیا world", "Good night."]
    job = client.post("/v1/jobs", json={"text": texts}).get_json()
    done = wait_for(client, job["id"])
    assert done["state"] == "done"
    assert done["progress"]["failed"] == 1
    assert done["errors"][0]["item"] == 1
    assert "mixed" in done["errors"][0]["error"]
    results = client.get(done["result_url"]).get_json()["results"]
    assert results[1]["error"]
    assert results[0]["error"] is None


def test_list_and_delete(jobs_app: Callable[..., Flask]) -> None:
    client = jobs_app(job_threads=0).test_client()  # nothing runs: jobs stay queued
    ids = [client.post("/v1/jobs", json={"text": f"text {n}."}).get_json()["id"] for n in range(2)]
    assert [j["id"] for j in client.get("/v1/jobs").get_json()["jobs"]] == ids[::-1]
    result = client.get(f"/v1/jobs/{ids[0]}/result")
    assert result.status_code == 409
    assert result.get_json()["error"]["details"]["state"] == "queued"
    deleted = client.delete(f"/v1/jobs/{ids[0]}")
    assert deleted.get_json() == {"id": ids[0], "deleted": True, "state": "cancelled"}
    assert client.get(f"/v1/jobs/{ids[0]}").status_code == 404
    assert client.delete(f"/v1/jobs/{ids[0]}").status_code == 404


def test_delete_stops_a_running_job(
    jobs_app: Callable[..., Flask], fake_backend: FakeBackend, tmp_path: Any
) -> None:
    fake_backend.delay = 0.05
    client = jobs_app().test_client()
    job = client.post("/v1/jobs", json={"text": sentences(200)}).get_json()
    wait_for(client, job["id"], ("running",))
    assert client.delete(f"/v1/jobs/{job['id']}").get_json()["state"] == "cancelled"
    computed = fake_backend.segments_computed
    time.sleep(1.5)  # the runner stops at its next heartbeat or chunk
    assert fake_backend.segments_computed - computed <= 16
    assert not (tmp_path / "jobs" / "files" / job["id"]).exists()


def test_upload_over_the_limit_is_413_and_not_stored(
    jobs_app: Callable[..., Flask], tmp_path: Any
) -> None:
    client = jobs_app(max_upload_bytes=1000).test_client()
    response = client.post("/v1/jobs", **upload("a.txt", b"word " * 400))
    assert response.status_code == 413
    assert response.get_json()["error"]["details"]["setting"] == "TARJOMAN_MAX_UPLOAD_BYTES"
    assert not list((tmp_path / "jobs" / "files").glob("*"))


def test_uploads_larger_than_a_request_body_are_taken(jobs_app: Callable[..., Flask]) -> None:
    client = jobs_app(max_body_bytes=1000, job_threads=0).test_client()
    assert client.post("/v1/jobs", **upload("a.txt", b"word. " * 1000)).status_code == 202


def test_per_key_job_and_byte_limits(jobs_app: Callable[..., Flask]) -> None:
    client = jobs_app(job_threads=0, max_jobs_per_key=2, max_job_bytes_per_key=3000).test_client()
    for _ in range(2):
        assert client.post("/v1/jobs", json={"text": "one."}).status_code == 202
    refused = client.post("/v1/jobs", json={"text": "one."})
    assert refused.status_code == 429
    assert "TARJOMAN_MAX_JOBS_PER_KEY" in refused.get_json()["error"]["message"]
    other = jobs_app(job_threads=0, max_job_bytes_per_key=3000).test_client()
    refused = other.post("/v1/jobs", **upload("a.txt", b"word. " * 600))
    assert refused.status_code == 413
    assert "BYTES_PER_KEY" in refused.get_json()["error"]["message"]


def test_finished_jobs_expire(jobs_app: Callable[..., Flask], tmp_path: Any) -> None:
    client = jobs_app(job_ttl=1).test_client()
    job = client.post("/v1/jobs", json={"text": "Hello."}).get_json()
    wait_for(client, job["id"])
    time.sleep(1.2)
    assert client.get(f"/v1/jobs/{job['id']}").status_code == 404
    assert not (tmp_path / "jobs" / "files" / job["id"]).exists()
    assert client.get("/v1/jobs").get_json() == {"jobs": []}


def test_bad_requests_are_clear_4xx(jobs_app: Callable[..., Flask]) -> None:
    client = jobs_app(job_threads=0).test_client()
    cases = [
        (client.post("/v1/jobs", **upload("r.docx", b"PK\x03\x04 not a zip")), 422, "not a .docx"),
        (client.post("/v1/jobs", **upload("scan.pdf", b"%PDF-1.4 nothing")), 422, "PDF"),
        (client.post("/v1/jobs", **upload("a.txt", b"caf\xe9")), 422, "UTF-8"),
        (client.post("/v1/jobs", **upload("a.exe", b"x")), 422, "format"),
        (client.post("/v1/jobs", **upload("a.txt", b"x", task="dance")), 422, "task"),
        (
            client.post("/v1/jobs", **upload("a.txt", b"x", max_words="many")),
            422,
            "invalid form field",
        ),
        (
            client.post("/v1/jobs", **upload("a.txt", b"x", colour="red")),
            422,
            "unknown form fields",
        ),
        (
            client.post("/v1/jobs", data={"task": "translate"}, content_type="multipart/form-data"),
            422,
            "`file`",
        ),
        (
            # Found by schemathesis: a part name the parser cannot read (None) was a 500.
            client.post("/v1/jobs", data=UNREADABLE_NAME, content_type=f"{MULTIPART}; boundary=B"),
            422,
            "unknown form fields: (no name), colour",
        ),
        (client.post("/v1/jobs", json={"text": []}), 422, "empty"),
        (client.post("/v1/jobs", json={"text": "x", "target": "de"}), 422, "target"),
        (client.post("/v1/jobs", json=["x"]), 422, "JSON object"),
        (client.post("/v1/jobs", data="x", content_type="text/plain"), 415, "multipart"),
        (client.get("/v1/jobs/../../etc/passwd"), 404, ""),
        (client.get("/v1/jobs/nosuchjob"), 404, "no job"),
    ]
    for response, status, words in cases:
        assert response.status_code == status, response.get_json()
        assert words in response.get_json()["error"]["message"]


def test_with_keys_a_job_is_only_its_keys(jobs_app: Callable[..., Flask]) -> None:
    client = jobs_app(api_keys=["alpha", "beta"], job_threads=0).test_client()
    alpha, beta = ({"Authorization": f"Bearer {k}"} for k in ("alpha", "beta"))
    job = client.post("/v1/jobs", json={"text": "Hello."}, headers=alpha).get_json()
    for method, path in [("get", ""), ("get", "/result"), ("delete", "")]:
        url = f"/v1/jobs/{job['id']}{path}"
        assert getattr(client, method)(url).status_code == 401
        assert (
            getattr(client, method)(url, headers={"Authorization": "Bearer nope"}).status_code
            == 403
        )
        assert getattr(client, method)(url, headers=beta).status_code == 404
    assert client.get("/v1/jobs", headers=beta).get_json() == {"jobs": []}
    assert len(client.get("/v1/jobs", headers=alpha).get_json()["jobs"]) == 1
    assert client.post("/v1/jobs", json={"text": "x"}).status_code == 401
    assert client.get(f"/v1/jobs/{job['id']}", headers=alpha).status_code == 200


def test_openapi_documents_every_jobs_route(jobs_app: Callable[..., Flask]) -> None:
    paths = jobs_app().test_client().get("/openapi.json").get_json()["paths"]
    submit = paths["/v1/jobs"]["post"]
    assert set(submit["requestBody"]["content"]) >= {"application/json", "multipart/form-data"}
    assert "202" in submit["responses"]
    assert "413" in submit["responses"]
    assert "get" in paths["/v1/jobs"]
    assert {"get", "delete"} <= set(paths["/v1/jobs/{job_id}"])
    assert "409" in paths["/v1/jobs/{job_id}/result"]["get"]["responses"]


def test_an_unreachable_redis_queue_is_503_not_500(jobs_app: Callable[..., Flask]) -> None:
    client = jobs_app(jobs_url="redis://127.0.0.1:1/0").test_client()
    response = client.post("/v1/jobs", json={"text": "Hello."})
    assert response.status_code == 503
    assert "Redis" in response.get_json()["error"]["message"]
    assert client.get("/v1/jobs").status_code == 503


def test_an_unwritable_jobs_folder_is_503_naming_the_setting(
    jobs_app: Callable[..., Flask], tmp_path: Any
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the jobs folder should be")
    client = jobs_app(jobs_dir=blocker / "jobs").test_client()
    response = client.post("/v1/jobs", json={"text": "Hello."})
    assert response.status_code == 503
    assert "TARJOMAN_JOBS_DIR" in response.get_json()["error"]["message"]
