"""Where the emulator keeps its state: SQLite, in memory or in a file that survives restarts.

Why this exists: the embedded default runs the emulator in-process once per CLI invocation
against a state file, and the server keeps its state across restarts, for fleets of 1,000 projects
and more. SQLite (stdlib) gives transactions (a request's changes land together or not at all),
crash safety (write-ahead log: a kill mid-write never corrupts the file) and row-level writes:
each project is one JSON document, so a request rewrites only the projects it touched.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from controller.emulator.state import ProjectRecord

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS projects (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    org_id TEXT,
    deleted_at REAL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS projects_deleted ON projects (deleted_at);
"""
_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table'"


class StateFileError(Exception):
    """The state file cannot be used (unreadable, not ours, or from another schema version)."""


_CREATED = "json_extract(doc, '$.created_at')"


@dataclass(frozen=True)
class ProjectQuery:
    """Which projects a page holds: live or deleted ones, filtered, in id order after `after`
    (or, `newest_first`, by creation time, newest first, after the project `after`)."""

    limit: int
    after: str | None = None
    search: str | None = None
    org_id: str | None = None
    deleted_since: float | None = None  # set: only projects deleted at or after this instant
    ids: tuple[str, ...] | None = None
    newest_first: bool = False
    unassigned_in_org: bool = False  # projects created without an org count as in `org_id`


class Store:
    """Project documents and a few settings, in one SQLite database."""

    def __init__(self, connection: sqlite3.Connection, path: Path | None) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path | None) -> Store:
        target = ":memory:" if path is None else str(path)
        try:
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Private like every state file (it holds the emulator's role passwords);
                # SQLite gives its -wal and -shm files the same mode.
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW, 0o600))
            connection = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as error:
            raise StateFileError(f"cannot open emulator state file {target}: {error}") from error
        try:
            _prepare(connection, target, wal=path is not None)
            store = cls(connection, path)
            store._check_schema_version()
        except BaseException:
            connection.close()
            raise
        return store

    def _check_schema_version(self) -> None:
        version = self.get_meta("schema_version")
        if version is None:
            self.set_meta("schema_version", SCHEMA_VERSION)
        elif version != SCHEMA_VERSION:
            raise StateFileError(
                f"emulator state file {self.path} has schema version {version}; this emulator "
                f"reads version {SCHEMA_VERSION} (start with a new --state file)"
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside land together, or none do if the block raises."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def get(self, project_id: str) -> ProjectRecord | None:
        row = self._db.execute("SELECT doc FROM projects WHERE id = ?", (project_id,)).fetchone()
        return None if row is None else self._decode(row[0])

    def put(self, project: ProjectRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO projects (id, name, org_id, deleted_at, doc) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                project.id,
                project.name,
                project.org_id,
                project.deleted_at,
                project.model_dump_json(exclude_defaults=True),
            ),
        )

    def exists(self, project_id: str) -> bool:
        row = self._db.execute("SELECT 1 FROM projects WHERE id = ?", (project_id,)).fetchone()
        return row is not None

    def page(self, query: ProjectQuery) -> list[ProjectRecord]:
        clauses, params = _where(query)
        order = f"{_CREATED} DESC, id DESC" if query.newest_first else "id"
        sql = f"SELECT doc FROM projects WHERE {' AND '.join(clauses)} ORDER BY {order} LIMIT ?"
        rows = self._db.execute(sql, (*params, query.limit)).fetchall()
        return [self._decode(row[0]) for row in rows]

    def org_ids(self) -> list[str]:
        """Every organization a project was ever created in, sorted."""
        rows = self._db.execute(
            "SELECT DISTINCT org_id FROM projects WHERE org_id IS NOT NULL ORDER BY org_id"
        ).fetchall()
        return [str(row[0]) for row in rows]

    def purge_deleted_before(self, instant: float) -> None:
        self._db.execute("DELETE FROM projects WHERE deleted_at < ?", (instant,))

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def clear(self) -> None:
        with self.transaction():
            self._db.execute("DELETE FROM projects")
            self._db.execute("DELETE FROM meta WHERE key != 'schema_version'")

    def close(self) -> None:
        self._db.close()

    def _decode(self, doc: str) -> ProjectRecord:
        try:
            return ProjectRecord.model_validate_json(doc)
        except ValidationError as error:
            raise StateFileError(
                f"emulator state file {self.path} holds a project this emulator cannot read: "
                f"{error.errors()[0]['msg']}"
            ) from error


def _prepare(connection: sqlite3.Connection, target: str, *, wal: bool) -> None:
    """Create the schema in a new or emulator-made database; refuse anyone else's untouched."""
    try:
        connection.execute("PRAGMA busy_timeout = 5000")
        tables = {row[0] for row in connection.execute(_TABLES)}
        if tables and "meta" not in tables:
            raise StateFileError(
                f"{target} is a SQLite database of something else, not an emulator state file; "
                "it was left untouched (start with a new --state file)"
            )
        if wal:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
        connection.executescript(_SCHEMA)
    except sqlite3.Error as error:
        raise StateFileError(f"cannot open emulator state file {target}: {error}") from error


def _where(query: ProjectQuery) -> tuple[list[str], list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if query.deleted_since is None:
        clauses.append("deleted_at IS NULL")
    else:
        clauses.append("deleted_at >= ?")
        params.append(query.deleted_since)
    if query.after is not None and query.newest_first:
        clauses.append(f"({_CREATED}, id) < (SELECT {_CREATED}, id FROM projects WHERE id = ?)")
        params.append(query.after)
    elif query.after is not None:
        clauses.append("id > ?")
        params.append(query.after)
    if query.org_id is not None:
        in_org = "(org_id = ? OR org_id IS NULL)" if query.unassigned_in_org else "org_id = ?"
        clauses.append(in_org)
        params.append(query.org_id)
    if query.search:
        pattern = "%" + query.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        clauses.append("(name LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')")
        params.extend([pattern + "%", pattern + "%"])
    if query.ids is not None:
        clauses.append(f"id IN ({', '.join('?' for _ in query.ids)})")
        params.extend(query.ids)
    return clauses, params
