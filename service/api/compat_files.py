"""LibreTranslate's /translate_file and /download_file: the jobs' document formats, at once."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from flask import Response, request, url_for
from werkzeug.utils import secure_filename

from service import errors
from service.api.compat import ERRORS, NAMES, TAGS, BadRequest, blueprint, language, missing
from service.api.openapi import documented
from service.api.state import state
from service.jobs.documents import SUFFIXES, DocumentError, Unit, load
from service.jobs.model import JobSpec
from service.pipelines.translate import translate
from service.schemas_compat import CompatError, CompatFileResponse

__all__ = ["FORMATS", "blueprint"]
# The suffixes translated here: every document format of the jobs (not JSONL: its field is a
# jobs option LibreTranslate's form has no way to send).
FORMATS = tuple(suffix for suffix, name in SUFFIXES.items() if name != "jsonl")
# Translated files are kept this long, then removed when the next file comes in.
KEEP_SECONDS = 3600


def files_dir() -> Path:
    """Where translated files wait to be downloaded."""
    return state().settings.data_dir / "files"


def _sweep(folder: Path) -> None:
    """Remove translated files older than KEEP_SECONDS."""
    cutoff = time.time() - KEEP_SECONDS
    for path in folder.glob("*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except FileNotFoundError:
            pass  # another worker removed it first


def _translate_units(units: list[Unit], source: str, target: str) -> list[str]:
    """Each unit's translation, plain and HTML units each in one pipeline call; blanks as sent."""
    engine = state().engine
    outputs = [unit.text for unit in units]
    for html in (False, True):
        todo = [i for i, unit in enumerate(units) if unit.html == html and unit.text.strip()]
        if todo:
            results = translate(engine, [units[i].text for i in todo], source, target, html=html)
            for index, result in zip(todo, results, strict=True):
                outputs[index] = result.text
    return outputs


@blueprint.post("/translate_file")
@documented(ok=CompatFileResponse, errors=ERRORS, error_model=CompatError, tags=TAGS)
def translate_file_view() -> dict[str, str]:
    """Translate a file (multipart `file`, `source`, `target`); answers its download URL."""
    upload = request.files.get("file")
    source, target = request.form.get("source"), request.form.get("target")
    if upload is None:
        raise missing("file")
    if not source:
        raise missing("source")
    if not target:
        raise missing("target")
    if not upload.filename:
        raise BadRequest("Invalid request: empty file")
    filename = upload.filename
    suffix = Path(filename).suffix.lower()
    if suffix not in FORMATS:
        raise BadRequest("Invalid request: file format not supported")
    language(source, set(NAMES) | {"auto"})
    language(target, set(NAMES))
    try:
        document = load(upload.read(), JobSpec("translate", SUFFIXES[suffix], filename))
    except DocumentError as exc:
        raise BadRequest(f"Invalid request: {exc}") from None
    units = list(document.units)
    limit = state().settings.max_text_chars
    size = sum(len(unit.text) for unit in units)
    if size > limit:
        raise BadRequest(f"Invalid request: request ({size}) exceeds text limit ({limit})")
    rendered = document.render(_translate_units(units, source, target), target)
    folder = files_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    stem = secure_filename(Path(filename).stem) or "file"
    name = f"{uuid.uuid4()}.{stem}{rendered.suffix}"
    (folder / name).write_bytes(rendered.data)
    url = url_for("compat.download_file_view", filename=name, _external=True)
    return CompatFileResponse(translated_file_url=url).model_dump(by_alias=True)


_TYPES = {
    ".txt": "text/plain",
    ".html": "text/html",
    ".htm": "text/html",
    ".srt": "application/x-subrip",
    ".vtt": "text/vtt",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@blueprint.get("/download_file/<filename>")
@documented(errors=(400, 404), error_model=CompatError, tags=TAGS)
def download_file_view(filename: str) -> Response:
    """A translated file, named as it was sent; the random name in the URL is the only key."""
    if filename != secure_filename(filename):  # first: a NUL or `..` never reaches the disk
        raise BadRequest("Invalid filename")
    folder = files_dir().resolve()
    path = (folder / filename).resolve()
    if path.parent != folder:
        raise BadRequest("Invalid filename")
    if not path.is_file():
        raise errors.NotFound("the file is not here: it was never made, or it has expired")
    # Read whole (files are small): a streamed response would bypass the response hooks.
    return Response(
        path.read_bytes(),
        mimetype=_TYPES.get(path.suffix.lower(), "application/octet-stream"),
        headers={"Content-Disposition": f"attachment; filename={filename.partition('.')[2]}"},
    )
