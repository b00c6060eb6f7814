"""Online backup of the embedded SQLite database (``idgate backup``).

SQLite's online backup API (``sqlite3.Connection.backup``) copies the database page by page
while the server keeps serving. The source connection holds one read transaction for the
whole copy, so every page comes from the same snapshot (a consistent copy, never restarted
by a concurrent commit); in WAL mode that blocks no writer. The copy is written to a private
temporary file (0600: it holds sealed secrets and password digests) next to the destination
and only then moved into place, so an interrupted backup never leaves a half-written file
under the destination's name.

The key-encryption key is deliberately not part of a backup: the database holds data keys
wrapped under it, and a copy that carried its own key would open for anyone who got it.

PostgreSQL is backed up with its own tools (``pg_dump`` as the schema owner), so the command
refuses with a pointer to that procedure instead of copying anything.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from idgate.kernel.errors import IdgateError
from idgate.storage.database import normalize_url

# Pages per backup step: the copy proceeds in steps so a large file never holds the
# source's lock for one long stretch (in rollback-journal mode a step blocks writers).
PAGES_PER_STEP = 1024
POSTGRES_PROCEDURE = (
    "idgate backup copies SQLite databases only; back up PostgreSQL with pg_dump as the "
    "schema owner (pg_dump --format=custom), restore it with pg_restore into an empty "
    "database, then run idgate migrate"
)


class BackupRefused(IdgateError):
    error = "backup_refused"


@dataclass(frozen=True)
class BackupResult:
    source: Path
    destination: Path
    pages: int
    size: int


def sqlite_file(database_url: str) -> Path:
    """The SQLite file a database URL names; refuses PostgreSQL and in-memory databases."""
    url = make_url(normalize_url(database_url))
    if url.get_backend_name() != "sqlite":
        raise BackupRefused(POSTGRES_PROCEDURE)
    if not url.database or url.database == ":memory:":
        raise BackupRefused("an in-memory SQLite database has no file to back up")
    return Path(url.database)


def _check_destination(source: Path, destination: Path, *, force: bool) -> None:
    if not source.is_file():
        raise BackupRefused(f"there is no database file at {source}")
    if destination.exists() and destination.resolve() == source.resolve():
        raise BackupRefused("the backup cannot overwrite the database itself")
    if destination.exists() and not force:
        raise BackupRefused(f"{destination} already exists; pass --force to overwrite it")
    # A write-ahead log left beside the destination would be replayed into the copy the
    # next time it is opened, so it is not a place to put one.
    if Path(f"{destination}-wal").exists():
        raise BackupRefused(f"{destination} is a database in use (it has a -wal file)")


def _copy_pages(source: Path, partial: Path) -> int:
    """Copy ``source`` into the empty file ``partial``; returns the number of pages."""
    total = 0

    def progress(_status: int, remaining: int, pages: int) -> None:
        nonlocal total
        total = pages

    # mode=rw: a missing source fails instead of being created empty.
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.isolation_level = None  # transactions by hand: the snapshot spans every step
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()  # starts the read
        src.backup(dst, pages=PAGES_PER_STEP, progress=progress)
        src.execute("COMMIT")
        # One self-contained file: no -wal or -shm needed beside the copy.
        dst.execute("PRAGMA journal_mode=DELETE").fetchone()
        verdict = dst.execute("PRAGMA quick_check").fetchone()
        if verdict is None or verdict[0] != "ok":
            raise BackupRefused(f"the copy failed its integrity check: {verdict}")
    finally:
        dst.close()
        src.close()
    return total


def _publish(partial: Path, destination: Path, *, force: bool) -> None:
    if force:
        os.replace(partial, destination)
        return
    try:
        # A hard link fails when the name exists, so a file created since the check is
        # never overwritten without --force.
        os.link(partial, destination)
    except FileExistsError as exc:
        raise BackupRefused(f"{destination} already exists; pass --force to overwrite it") from exc
    partial.unlink()


def backup_sqlite(database_url: str, destination: Path, *, force: bool = False) -> BackupResult:
    """Copy the SQLite database ``database_url`` names to ``destination`` (mode 0600)."""
    source = sqlite_file(database_url)
    _check_destination(source, destination, force=force)
    # mkstemp creates the file with mode 0600, before any secret is written into it.
    fd, name = tempfile.mkstemp(
        prefix=f".{destination.name}.", suffix=".partial", dir=destination.parent
    )
    os.close(fd)
    partial = Path(name)
    try:
        pages = _copy_pages(source, partial)
        _publish(partial, destination, force=force)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        with contextlib.suppress(FileNotFoundError):
            Path(f"{partial}-journal").unlink()
    return BackupResult(source, destination, pages, destination.stat().st_size)
