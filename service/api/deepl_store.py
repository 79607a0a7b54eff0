"""DeepL glossaries and character usage per key, in one SQLite file every worker shares."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS glossaries (
    owner TEXT NOT NULL, glossary_id TEXT NOT NULL, name TEXT NOT NULL,
    source TEXT NOT NULL, target TEXT NOT NULL, created TEXT NOT NULL, entries TEXT NOT NULL,
    PRIMARY KEY (owner, glossary_id));
CREATE TABLE IF NOT EXISTS usage (
    owner TEXT NOT NULL, period TEXT NOT NULL, characters INTEGER NOT NULL,
    PRIMARY KEY (owner, period));
"""


@dataclass(frozen=True)
class Glossary:
    """One stored glossary: its id, name, languages (fa/en), creation time and entries."""

    glossary_id: str
    name: str
    source: str
    target: str
    created: str  # ISO 8601 with milliseconds and Z, as DeepL writes it
    entries: tuple[tuple[str, str], ...]


def current_period(now: datetime | None = None) -> str:
    """The usage period a moment falls in: its calendar month, in UTC."""
    return (now or datetime.now(UTC)).strftime("%Y-%m")


class DeepLStore:
    """Glossaries and usage counters keyed by an owner (a hash of the key, never the key)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction; the file and tables are made on first use."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            if not self._ready:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(_SCHEMA)
                self._ready = True
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        finally:
            connection.close()

    def create_glossary(
        self, owner: str, name: str, source: str, target: str, entries: list[tuple[str, str]]
    ) -> Glossary:
        """Store a new glossary and return it."""
        now = datetime.now(UTC)
        created = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
        glossary = Glossary(str(uuid.uuid4()), name, source, target, created, tuple(entries))
        with self._connect() as db:
            db.execute(
                "INSERT INTO glossaries VALUES (?, ?, ?, ?, ?, ?, ?)",
                (owner, glossary.glossary_id, name, source, target, created, json.dumps(entries)),
            )
        return glossary

    def glossaries(self, owner: str) -> list[Glossary]:
        """The owner's glossaries, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT glossary_id, name, source, target, created, entries FROM glossaries "
                "WHERE owner = ? ORDER BY created, glossary_id",
                (owner,),
            ).fetchall()
        return [_glossary(row) for row in rows]

    def glossary(self, owner: str, glossary_id: str) -> Glossary | None:
        """One of the owner's glossaries, or None (another owner's is None too)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT glossary_id, name, source, target, created, entries FROM glossaries "
                "WHERE owner = ? AND glossary_id = ?",
                (owner, glossary_id),
            ).fetchone()
        return _glossary(row) if row else None

    def delete_glossary(self, owner: str, glossary_id: str) -> bool:
        """Delete one of the owner's glossaries; False when there was none."""
        with self._connect() as db:
            cursor = db.execute(
                "DELETE FROM glossaries WHERE owner = ? AND glossary_id = ?", (owner, glossary_id)
            )
            return cursor.rowcount > 0

    def used(self, owner: str, period: str | None = None) -> int:
        """Characters the owner has used in a period (default: this month)."""
        with self._connect() as db:
            row = db.execute(
                "SELECT characters FROM usage WHERE owner = ? AND period = ?",
                (owner, period or current_period()),
            ).fetchone()
        return int(row[0]) if row else 0

    def charge(self, owner: str, characters: int, limit: int) -> bool:
        """Add characters to this month's count unless that passes `limit` (0: none); atomic
        across workers. False, and nothing added, when it would pass."""
        period = current_period()
        with self._connect() as db:
            row = db.execute(
                "SELECT characters FROM usage WHERE owner = ? AND period = ?", (owner, period)
            ).fetchone()
            used = int(row[0]) if row else 0
            if limit and used + characters > limit:
                return False
            db.execute(
                "INSERT INTO usage VALUES (?, ?, ?) ON CONFLICT (owner, period) "
                "DO UPDATE SET characters = characters + excluded.characters",
                (owner, period, characters),
            )
        return True

    def refund(self, owner: str, characters: int) -> None:
        """Give back characters charged for a request that then failed."""
        with self._connect() as db:
            db.execute(
                "UPDATE usage SET characters = MAX(0, characters - ?) "
                "WHERE owner = ? AND period = ?",
                (characters, owner, current_period()),
            )


def _glossary(row: tuple[str, str, str, str, str, str]) -> Glossary:
    entries = tuple((str(s), str(t)) for s, t in json.loads(row[5]))
    return Glossary(row[0], row[1], row[2], row[3], row[4], entries)
