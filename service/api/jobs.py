"""The jobs API: POST /v1/jobs (a document or JSON texts), then poll, fetch the result, delete."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request, send_file, url_for
from redis.exceptions import RedisError

from service.api.auth import KeyRing, client_key_id
from service.api.bodyguard import body_limit
from service.api.errors import error_response
from service.api.openapi import documented
from service.api.request import json_body, validate
from service.errors import InvalidRequest, PayloadTooLarge, Unavailable, UnsupportedMediaType
from service.jobs import documents
from service.jobs.build import build_manager, index_exists
from service.jobs.manager import JobManager
from service.jobs.model import JobRecord, JobSpec
from service.schemas import SummarizeRequest, TranslateRequest
from service.schemas_jobs import (
    JobDeleted,
    JobList,
    JobStatus,
    JobTextsRequest,
    JobUpload,
)
from service.settings import Settings

blueprint = Blueprint("jobs", __name__, url_prefix="/v1/jobs")


@blueprint.errorhandler(RedisError)
def _queue_down(error: RedisError) -> Response:
    """Redis mode: the queue is unreachable; a client may retry, it is not a bug of ours."""
    return error_response(
        Unavailable("the job queue (Redis) cannot be reached; retry", retry_after=5)
    )


@blueprint.errorhandler(OSError)
def _storage_failed(error: OSError) -> Response:
    """The jobs folder cannot be written or read (not writable, full): the operator's to fix."""
    message = f"the job storage (TARJOMAN_JOBS_DIR) failed: {error.strerror or error}"
    return error_response(Unavailable(message, retry_after=30))


EXTENSION = "tarjoman.jobs"
ANONYMOUS = "anonymous"  # every caller, when the server has no API keys
JOB_ERRORS = (400, 401, 403, 404, 409, 413, 415, 422, 429, 503)
_FORM_ONLY = ("task", "format", "field", "output_field", "output_format")
_NUMBERS = ("max_sentences", "max_words")


class _Jobs:
    """The manager, built at the first jobs request (or at start when jobs wait to resume)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._manager: JobManager | None = None
        self._lock = threading.Lock()

    def get(self, app: Flask) -> JobManager:
        with self._lock:
            if self._manager is None:
                from service.api.state import EXTENSION as STATE

                self._manager = build_manager(self.settings, app.extensions[STATE].engine)
            return self._manager


def manager() -> JobManager:
    """The current app's job manager."""
    jobs: _Jobs = current_app.extensions[EXTENSION]
    return jobs.get(current_app._get_current_object())  # type: ignore[attr-defined]


def owner() -> str:
    """Whose jobs: the API key's id, or everyone's when the server has no keys."""
    ring: KeyRing = current_app.extensions["tarjoman.keys"]
    return (client_key_id(ring) or ANONYMOUS) if ring.required else ANONYMOUS


def _time(value: float | None) -> str | None:
    if value is None:
        return None
    return datetime.fromtimestamp(value, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def status(record: JobRecord, jobs: JobManager) -> dict[str, Any]:
    """The JSON of a job."""
    spec = record.spec
    expires = record.finished + jobs.settings.job_ttl if record.finished else None
    return JobStatus(
        id=record.id,
        task=spec.task,
        format=spec.format,
        filename=spec.filename,
        state=record.state,
        progress={"done": record.done, "total": record.total, "failed": record.failed_items},
        created=_time(record.created) or "",
        started=_time(record.started),
        finished=_time(record.finished),
        expires=_time(expires),
        error=record.error,
        errors=jobs.item_errors(record.id) if record.failed_items else [],
        attempts=record.attempts,
        url=url_for("jobs.job_view", job_id=record.id),
        result_url=url_for("jobs.result_view", job_id=record.id),
        options=spec.options,
    ).model_dump()


def _options(task: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The task's options, validated by the same model as /v1/translate or /v1/summarize."""
    if task not in ("translate", "summarize"):
        raise InvalidRequest("`task` must be translate or summarize")
    model = TranslateRequest if task == "translate" else SummarizeRequest
    body = validate(model, {"text": "x", **fields})
    options = body.model_dump(exclude={"text", "format"}, exclude_none=True)
    if isinstance(body, TranslateRequest) and body.format == "html":
        options["html"] = True
    return options


def _form_options() -> tuple[str, dict[str, Any]]:
    """The task and options from form fields (strings) as typed values."""
    form = request.form
    # A part whose name the multipart parser cannot read comes with the name None.
    unknown = {name or "(no name)" for name in form} - set(JobUpload.model_fields)
    if unknown:
        raise InvalidRequest(f"unknown form fields: {', '.join(sorted(unknown))}")
    fields: dict[str, Any] = {k: v for k, v in form.items() if k not in _FORM_ONLY and v != ""}
    try:
        for name in _NUMBERS:
            if name in fields:
                fields[name] = int(fields[name])
        if "glossary" in fields:
            fields["glossary"] = json.loads(fields["glossary"])
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly nested JSON
        raise InvalidRequest(f"invalid form field: {str(exc)[:200]}") from None
    if "keep" in fields:
        fields["keep"] = [term.strip() for term in fields["keep"].split(",") if term.strip()]
    task = form.get("task") or "translate"
    return task, _options(task, fields)


def _upload_spec() -> tuple[JobSpec, bytes]:
    upload = request.files.get("file")
    if upload is None:
        raise InvalidRequest("send the document in a form field named `file`")
    data = upload.read()
    limit = current_app.extensions[EXTENSION].settings.max_upload_bytes
    if len(data) > limit:  # a chunked upload has no Content-Length to refuse it by
        raise PayloadTooLarge(
            f"the file is {len(data)} bytes; the limit is {limit} (TARJOMAN_MAX_UPLOAD_BYTES)",
            details={"limit": limit, "setting": "TARJOMAN_MAX_UPLOAD_BYTES"},
        )
    name = PurePath(upload.filename or "document").name or "document"
    try:
        fmt = documents.format_of(name, request.form.get("format") or None)
    except documents.DocumentError as exc:
        raise InvalidRequest(str(exc)) from None
    task, options = _form_options()
    spec = JobSpec(
        task,  # type: ignore[arg-type]  # checked by _options
        fmt,
        name,
        options,
        field=request.form.get("field") or "text",
        output_field=request.form.get("output_field") or "",
        output_format=request.form.get("output_format") or "",
    )
    return spec, data


def _texts_spec() -> tuple[JobSpec, bytes]:
    body = json_body()
    if not isinstance(body, dict):
        raise InvalidRequest("the body must be a JSON object with `text`")
    fields = dict(body)
    task = fields.pop("task", "translate")
    text = fields.pop("text", None)
    options = _options(task, fields)
    model = TranslateRequest if task == "translate" else SummarizeRequest
    texts = validate(model, {"text": text}).texts()  # the same checks: not empty, not blank
    data = json.dumps(texts, ensure_ascii=False).encode("utf-8")
    return JobSpec(task, "texts", "texts.json", options), data


@blueprint.post("")
@documented(
    ok=JobStatus,
    json=JobTextsRequest,
    form=JobUpload,
    errors=JOB_ERRORS,
    tags=("jobs",),
    status=202,
)
def submit_view() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Start a job: a document (multipart, `file`) or JSON texts; 202 with its URLs."""
    limit = current_app.extensions[EXTENSION].settings.max_upload_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(
            f"the upload is {request.content_length} bytes; the limit is {limit} "
            "(TARJOMAN_MAX_UPLOAD_BYTES)",
            details={"limit": limit, "setting": "TARJOMAN_MAX_UPLOAD_BYTES"},
        )
    if request.mimetype == "multipart/form-data":
        spec, data = _upload_spec()
    elif request.mimetype in ("application/json", ""):
        spec, data = _texts_spec()
    else:
        raise UnsupportedMediaType("send multipart/form-data with a `file`, or JSON texts")
    jobs = manager()
    record = jobs.submit(owner(), spec, data)
    body = status(record, jobs)
    return body, 202, {"Location": body["url"]}


@blueprint.get("")
@documented(ok=JobList, errors=(401, 403, 429), tags=("jobs",))
def list_view() -> dict[str, Any]:
    """The caller's jobs, newest first."""
    jobs = manager()
    return {"jobs": [status(record, jobs) for record in jobs.by_owner(owner())]}


@blueprint.get("/<job_id>")
@documented(ok=JobStatus, errors=(401, 403, 404, 429), tags=("jobs",))
def job_view(job_id: str) -> dict[str, Any]:
    """A job's state, progress, times and failed items; 404 for another key's job."""
    jobs = manager()
    return status(jobs.get(owner(), job_id), jobs)


@blueprint.get("/<job_id>/result")
@documented(errors=(401, 403, 404, 409, 429), tags=("jobs",))
def result_view(job_id: str) -> Response:
    """The result: the document in its own format (PDF: .txt or .docx), JSON for texts and
    summaries; 409 until the job is done."""
    record, path = manager().result(owner(), job_id)
    stem = PurePath(record.spec.filename).stem or "result"
    media = {".json": "application/json", ".jsonl": "application/x-ndjson"}.get(path.suffix)
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=media or documents_media(path.suffix),
        as_attachment=True,
        download_name=f"{stem}.{record.spec.task}d{path.suffix}",
        max_age=0,
    )
    # The OpenAPI wrapper reads the body to check it; a file stream cannot be read twice.
    response.direct_passthrough = False
    return response


def documents_media(suffix: str) -> str:
    """The media type of a result file by its suffix."""
    types = {
        ".txt": "text/plain; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".srt": "application/x-subrip",
        ".vtt": "text/vtt; charset=utf-8",
        ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
    return types.get(suffix, "application/octet-stream")


@blueprint.delete("/<job_id>")
@documented(ok=JobDeleted, errors=(401, 403, 404, 429), tags=("jobs",))
def delete_view(job_id: str) -> dict[str, Any]:
    """Cancel the job if it is queued or running, and delete it and its files."""
    record = manager().delete(owner(), job_id)
    state = "cancelled" if record.active else record.state
    return JobDeleted(id=record.id, deleted=True, state=state).model_dump()


def install(app: Flask, settings: Settings) -> None:
    """Register the routes; resume waiting jobs at once when this host has an index."""
    app.extensions[EXTENSION] = _Jobs(settings)

    def _upload_limit() -> None:
        # Uploads may be larger than other bodies (the rule BodyGuard reads chunked bodies by);
        # the view checks against its own limit.
        request.max_content_length = body_limit(
            request.method, request.path, settings.max_body_bytes, settings.max_upload_bytes
        )

    app.before_request_funcs.setdefault(None, []).insert(0, _upload_limit)
    app.register_blueprint(blueprint)
    if settings.job_threads and index_exists(settings):
        app.extensions[EXTENSION].get(app)
