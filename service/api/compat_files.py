"""LibreTranslate's /translate_file and /download_file: small .txt and .html files, at once."""

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
from service.pipelines.translate import translate
from service.schemas_compat import CompatError, CompatFileResponse

__all__ = ["FORMATS", "blueprint"]
# The formats translated here: each as one text (the pipeline keeps paragraphs and tags).
FORMATS = {".txt": False, ".html": True, ".htm": True}
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


@blueprint.post("/translate_file")
@documented(ok=CompatFileResponse, errors=ERRORS, error_model=CompatError, tags=TAGS)
def translate_file_view() -> dict[str, str]:
    """Translate a file (multipart `file`, `source`, `target`); answers its download URL."""
    app_state = state()
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
    extension = Path(upload.filename).suffix.lower()
    if extension not in FORMATS:
        raise BadRequest("Invalid request: file format not supported")
    language(source, set(NAMES) | {"auto"})
    language(target, set(NAMES))
    limit = app_state.settings.max_text_chars
    try:
        text = upload.read().decode("utf-8-sig")  # the body limit bounds the read
    except UnicodeDecodeError:
        raise BadRequest("Invalid request: the file is not UTF-8 text") from None
    if len(text) > limit:
        raise BadRequest(f"Invalid request: request ({len(text)}) exceeds text limit ({limit})")
    if not text.strip():
        raise BadRequest("Invalid request: empty file")
    result = translate(app_state.engine, [text], source, target, html=FORMATS[extension])[0]
    trail = text[len(text.rstrip()) :]  # a file's last line break is kept, as editors expect
    output = result.text if result.text.endswith(trail) else result.text.rstrip() + trail
    folder = files_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    name = f"{uuid.uuid4()}.{secure_filename(upload.filename) or 'file' + extension}"
    (folder / name).write_text(output, encoding="utf-8")
    url = url_for("compat.download_file_view", filename=name, _external=True)
    return CompatFileResponse(translated_file_url=url).model_dump(by_alias=True)


@blueprint.get("/download_file/<filename>")
@documented(errors=(400, 404), error_model=CompatError, tags=TAGS)
def download_file_view(filename: str) -> Response:
    """A translated file, named as it was sent; the random name in the URL is the only key."""
    # The name is checked before it touches the file system (a NUL in it made resolve() raise).
    if filename != secure_filename(filename):
        raise BadRequest("Invalid filename")
    folder = files_dir().resolve()
    path = (folder / filename).resolve()
    if path.parent != folder:
        raise BadRequest("Invalid filename")
    if not path.is_file():
        raise errors.NotFound("the file is not here: it was never made, or it has expired")
    # Read whole (files are small): a streamed response would bypass the response hooks.
    mimetype = "text/html" if Path(filename).suffix.lower() in (".html", ".htm") else "text/plain"
    return Response(
        path.read_bytes(),
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename={filename.partition('.')[2]}"},
    )
