"""A job's files in its folder: the upload, the progress checkpoint, the result."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from service.jobs.documents import Rendered

INPUT = "input"
PROGRESS = "progress.jsonl"
RESULT = "result"


class JobFiles:
    """Folders under `root/files/<id>`: shared by every process that runs jobs."""

    def __init__(self, root: Path) -> None:
        self.root = root / "files"
        self.root.mkdir(parents=True, exist_ok=True)

    def folder(self, job_id: str) -> Path:
        """The job's folder (ids are made by the service, never taken from a client)."""
        return self.root / job_id

    def save_input(self, job_id: str, data: bytes) -> None:
        """Store the upload before the job is queued."""
        folder = self.folder(job_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / INPUT).write_bytes(data)

    def read_input(self, job_id: str) -> bytes:
        """The upload."""
        return (self.folder(job_id) / INPUT).read_bytes()

    def progress(self, job_id: str) -> Path:
        """The checkpoint: one JSON line per finished item, appended and synced."""
        return self.folder(job_id) / PROGRESS

    def save_result(self, job_id: str, rendered: Rendered) -> Path:
        """Write the result atomically (a reader never sees half of it)."""
        path = self.folder(job_id) / (RESULT + rendered.suffix)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(rendered.data)
        os.replace(partial, path)
        return path

    def result(self, job_id: str) -> Path | None:
        """The finished result, if any."""
        folder = self.folder(job_id)
        found = [p for p in folder.glob(RESULT + ".*") if not p.name.endswith(".part")]
        return found[0] if found else None

    def size(self, job_id: str) -> int:
        """Bytes the job takes on disk."""
        folder = self.folder(job_id)
        return (
            sum(p.stat().st_size for p in folder.iterdir() if p.is_file()) if folder.exists() else 0
        )

    def remove(self, job_id: str) -> None:
        """Delete the job's folder."""
        shutil.rmtree(self.folder(job_id), ignore_errors=True)
