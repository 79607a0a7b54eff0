"""The job index: a Store protocol and its SQLite implementation (one file, many processes)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any, Protocol

from service.jobs.model import JobRecord, JobSpec, JobState


class Store(Protocol):
    """Where jobs' records live; every method is safe across threads and processes."""

    def create(self, record: JobRecord) -> None:
        """Add a new job."""
        ...

    def get(self, job_id: str) -> JobRecord | None:
        """One job, or None."""
        ...

    def by_owner(self, owner: str) -> list[JobRecord]:
        """The owner's jobs, newest first."""
        ...

    def claim(self, job_id: str | None, now: float, lease_s: float) -> JobRecord | None:
        """Mark a job running under a fresh lease: `job_id`, or the oldest queued or abandoned."""
        ...

    def heartbeat(
        self, job_id: str, attempt: int, lease_until: float, done: int, failed_items: int
    ) -> bool:
        """Extend the lease of this attempt and record progress; False when the job is gone,
        no longer running, or claimed again by another runner (the lease was lost)."""
        ...

    def set_total(self, job_id: str, total: int) -> None:
        """Record how many items the job has."""
        ...

    def finish(
        self, job_id: str, state: JobState, now: float, error: str | None, size: int
    ) -> None:
        """Record the end of a running job: done, failed or cancelled."""
        ...

    def delete(self, job_id: str) -> None:
        """Forget a job."""
        ...

    def expired(self, before: float) -> list[str]:
        """Jobs that finished before `before`."""
        ...

    def usage(self, owner: str) -> tuple[int, int]:
        """The owner's queued or running jobs, and bytes stored."""
        ...


_COLUMNS = [f.name for f in fields(JobRecord)]
_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, spec TEXT NOT NULL, state TEXT NOT NULL,
    created REAL NOT NULL, total INTEGER NOT NULL, done INTEGER NOT NULL,
    failed_items INTEGER NOT NULL, started REAL, finished REAL, error TEXT,
    attempts INTEGER NOT NULL, lease_until REAL NOT NULL, bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, created);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs (state, created);
"""


def _record(row: sqlite3.Row) -> JobRecord:
    values: dict[str, Any] = dict(zip(_COLUMNS, row, strict=True))
    values["spec"] = JobSpec.from_json(values["spec"])
    return JobRecord(**values)


class SQLiteStore:
    """The index in one SQLite file (WAL): survives restarts, shared by the processes of a host."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            self._local.db = db
        yield db

    def _one(self, sql: str, *args: Any) -> JobRecord | None:
        with self._db() as db:
            row = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM jobs {sql}", args).fetchone()
        return _record(row) if row else None

    def create(self, record: JobRecord) -> None:
        """Add a new job."""
        values = [getattr(record, name) for name in _COLUMNS]
        values[_COLUMNS.index("spec")] = record.spec.to_json()
        marks = ", ".join("?" for _ in _COLUMNS)
        with self._db() as db:
            db.execute(f"INSERT INTO jobs ({', '.join(_COLUMNS)}) VALUES ({marks})", values)

    def get(self, job_id: str) -> JobRecord | None:
        """One job, or None."""
        return self._one("WHERE id = ?", job_id)

    def by_owner(self, owner: str) -> list[JobRecord]:
        """The owner's jobs, newest first."""
        with self._db() as db:
            rows = db.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE owner = ? ORDER BY created DESC",
                (owner,),
            ).fetchall()
        return [_record(row) for row in rows]

    def claim(self, job_id: str | None, now: float, lease_s: float) -> JobRecord | None:
        """Mark a job running under a fresh lease: `job_id`, or the oldest queued or abandoned."""
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")  # one claimer at a time, across processes
            try:
                where = "(state = 'queued' OR (state = 'running' AND lease_until < ?))"
                args: tuple[Any, ...] = (now,)
                if job_id is not None:
                    where, args = "id = ? AND state IN ('queued', 'running')", (job_id,)
                row = db.execute(
                    f"SELECT id FROM jobs WHERE {where} ORDER BY created LIMIT 1", args
                ).fetchone()
                if row is None:
                    db.execute("COMMIT")
                    return None
                db.execute(
                    "UPDATE jobs SET state = 'running', attempts = attempts + 1, "
                    "started = COALESCE(started, ?), lease_until = ? WHERE id = ?",
                    (now, now + lease_s, row[0]),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return self.get(row[0])

    def heartbeat(
        self, job_id: str, attempt: int, lease_until: float, done: int, failed_items: int
    ) -> bool:
        """Extend the lease of this attempt and record progress; False when it was lost."""
        with self._db() as db:
            cursor = db.execute(
                "UPDATE jobs SET lease_until = ?, done = ?, failed_items = ? "
                "WHERE id = ? AND state = 'running' AND attempts = ?",
                (lease_until, done, failed_items, job_id, attempt),
            )
        return cursor.rowcount == 1

    def set_total(self, job_id: str, total: int) -> None:
        """Record how many items the job has."""
        with self._db() as db:
            db.execute("UPDATE jobs SET total = ? WHERE id = ?", (total, job_id))

    def finish(
        self, job_id: str, state: JobState, now: float, error: str | None, size: int
    ) -> None:
        """Record the end of a running job: done, failed or cancelled."""
        with self._db() as db:
            db.execute(
                "UPDATE jobs SET state = ?, finished = ?, error = ?, bytes = ?, lease_until = 0 "
                "WHERE id = ? AND state IN ('queued', 'running')",
                (state, now, error, size, job_id),
            )

    def delete(self, job_id: str) -> None:
        """Forget a job."""
        with self._db() as db:
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def expired(self, before: float) -> list[str]:
        """Jobs that finished before `before`."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id FROM jobs WHERE finished IS NOT NULL AND finished < ?", (before,)
            ).fetchall()
        return [row[0] for row in rows]

    def usage(self, owner: str) -> tuple[int, int]:
        """The owner's queued or running jobs, and bytes stored."""
        with self._db() as db:
            active, stored = db.execute(
                "SELECT COALESCE(SUM(state IN ('queued', 'running')), 0), COALESCE(SUM(bytes), 0) "
                "FROM jobs WHERE owner = ?",
                (owner,),
            ).fetchone()
        return int(active), int(stored)
