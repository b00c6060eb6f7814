"""``idgate backup PATH``: a consistent copy of the SQLite database while the server runs
(``idgate.storage.backup``), mode 0600.

It does not migrate first, unlike the other local commands: a backup is what one takes
before an upgrade, so it copies the database as it is. On PostgreSQL it refuses with the
documented procedure (pg_dump / pg_restore). The copy holds data keys wrapped under the
key-encryption key but never that key, so the command says where the key is to be kept.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from idgate.kernel.settings import Settings
from idgate.process import current_runtime
from idgate.storage.backup import backup_sqlite
from idgate_cli.local_runtime import fail, reported


def _key_reminder(settings: Settings) -> str:
    """Where the key-encryption key this database needs is, as the operator configured it."""
    if settings.key_provider == "kms":
        key = f"the KMS key {settings.kms_key_id} (IDGATE_KMS_KEY_ID)"
    elif settings.master_key is not None:
        key = "the master key in IDGATE_MASTER_KEY"
    else:
        key = f"the master key file {settings.master_key_file}"
    return (
        f"the backup does not contain the key-encryption key: keep {key} safe and apart "
        "from the backup; without it the backup's signing keys and client secrets are unusable"
    )


def backup(
    path: Annotated[Path, typer.Argument(help="The file to write the copy to.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite PATH if it exists.")] = False,
) -> None:
    """Copy the SQLite database to PATH while the server runs (PostgreSQL: use pg_dump)."""
    try:
        settings = current_runtime().settings
    except Exception as exc:  # settings errors: one line, no traceback
        fail(str(exc))
    with reported():
        try:
            result = backup_sqlite(settings.database_url, path, force=force)
        except (OSError, sqlite3.Error) as exc:
            fail(f"no backup was written: {exc}")
    typer.echo(
        f"backed up {result.source} to {result.destination} "
        f"({result.pages} pages, {result.size} bytes, mode 0600)"
    )
    typer.echo(_key_reminder(settings))
