"""The CLI's big files through the jobs API: upload once, poll, download; a rerun resumes."""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tqdm import tqdm

from service.apiclient import ApiError, error_message

POLL_S = 1.0
RETRIES = 8


class JobClient:
    """Talks to /v1/jobs of one server."""

    def __init__(self, url: str, api_key: str | None, timeout: float = 300.0) -> None:
        self.url = url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout

    def _call(self, method: str, path: str, data: bytes | None = None, ctype: str = "") -> bytes:
        """The body of a 2xx answer; 429/503 retried after Retry-After; ApiError otherwise."""
        headers = {**self.headers, **({"Content-Type": ctype} if ctype else {})}
        for attempt in range(RETRIES + 1):
            request = urllib.request.Request(self.url + path, data, headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return bytes(response.read())
            except urllib.error.HTTPError as error:
                raw = error.read()
                if error.code in (429, 503) and attempt < RETRIES:
                    time.sleep(float(error.headers.get("Retry-After") or 2 ** min(attempt, 5)))
                    continue
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                raise ApiError(error.code, error_message(body)) from None
            except (urllib.error.URLError, OSError) as error:
                if attempt < RETRIES:
                    time.sleep(min(30, 2**attempt))  # a restarting server: the job waits for us
                    continue
                raise ApiError(0, f"cannot reach {self.url}: {error}") from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    def submit(self, path: Path, fields: dict[str, str]) -> dict[str, Any]:
        """Upload a file as a job."""
        boundary = "tarjoman-" + secrets.token_hex(12)
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        body = b"".join(parts) + head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        raw = self._call("POST", "/v1/jobs", body, f"multipart/form-data; boundary={boundary}")
        found: dict[str, Any] = json.loads(raw)
        return found

    def status(self, job_id: str) -> dict[str, Any]:
        """The job's state and progress."""
        found: dict[str, Any] = json.loads(self._call("GET", f"/v1/jobs/{job_id}"))
        return found

    def result(self, job_id: str) -> bytes:
        """The finished job's result."""
        return self._call("GET", f"/v1/jobs/{job_id}/result")


def _state_file(output: Path) -> Path:
    return output.with_name(output.name + ".job")


def run_job(client: JobClient, source: Path, output: Path, fields: dict[str, str]) -> int:
    """Run a file as a job (resuming the one a previous run started); 0 done, 1 failed."""
    state = _state_file(output)
    job: dict[str, Any] | None = None
    if state.exists():
        try:
            job = client.status(state.read_text(encoding="utf-8").strip())
            print(f"tarjoman: resuming job {job['id']} on the server", file=sys.stderr)
        except ApiError as exc:
            if exc.status != 404:
                raise
    if job is None:
        job = client.submit(source, fields)
        state.write_text(str(job["id"]), encoding="utf-8")
    with tqdm(total=job["progress"]["total"], unit="item", desc="job") as bar:
        while job["state"] in ("queued", "running"):
            time.sleep(POLL_S)
            job = client.status(str(job["id"]))
            bar.total = job["progress"]["total"]
            bar.update(job["progress"]["done"] - bar.n)
    if job["state"] != "done":
        state.unlink(missing_ok=True)
        print(f"tarjoman: job {job['id']} {job['state']}: {job.get('error')}", file=sys.stderr)
        return 1
    partial = output.with_name(output.name + ".part")
    partial.write_bytes(client.result(str(job["id"])))
    os.replace(partial, output)
    state.unlink(missing_ok=True)
    failed = job["progress"]["failed"]
    print(f"tarjoman: job {job['id']} done: {job['progress']['done']} items, {failed} failed")
    return 1 if failed else 0
