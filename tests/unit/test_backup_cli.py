"""``idgate backup PATH``: a consistent online copy of the SQLite database (mode 0600, the
key-encryption key not in it) that a new runtime with the same master key serves from;
it never overwrites a file without ``--force``, and on PostgreSQL it refuses with the
pg_dump procedure."""

from __future__ import annotations

import base64
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from idgate.kernel.runtime import Runtime
from idgate.process import build_runtime, install_runtime
from idgate.storage.backup import POSTGRES_PROCEDURE, BackupRefused, backup_sqlite, sqlite_file
from idgate_cli.main import app
from local.server import build_app
from tests.conftest import MASTER_KEY, SERVICE_SECRET, WEB_SECRET, TenantFixture
from tests.flows import WEB_REDIRECT, Browser, basic, new_authorization, query_of, token_request


def _backup(*args: str) -> Result:
    return CliRunner().invoke(app, ["backup", *args])


def _error_line(result: Result) -> str:
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1, result.output
    return lines[0]


@pytest.fixture
def sqlite_rt(rt: Runtime, backend: str) -> Runtime:
    if backend != "sqlite":
        pytest.skip("the online copy is of the SQLite file")
    return rt


@pytest.fixture
def held_transactions(sqlite_rt: Runtime) -> Iterator[None]:
    """A reader in the middle of a transaction and a writer with an uncommitted change,
    both on their own connections, for the whole test."""
    path = sqlite_file(sqlite_rt.settings.database_url)
    reader = sqlite3.connect(path, isolation_level=None)
    writer = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM customers").fetchone()
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE customers SET name = 'uncommitted'")
    yield
    writer.execute("ROLLBACK")
    reader.execute("COMMIT")
    writer.close()
    reader.close()


def _signs_in_and_issues_tokens(restored: Runtime, acme: TenantFixture) -> None:
    """Password sign-in through the authorize flow, the code redeemed, and a
    client_credentials token: all served from the restored database."""
    install_runtime(restored)
    client = TestClient(build_app(), base_url="http://testserver")
    auth = new_authorization()
    code = query_of(Browser(client).sign_in(auth, acme.email, acme.password))["code"]
    grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": WEB_REDIRECT}
    tokens = token_request(
        client, "acme", {**grant, "code_verifier": auth.verifier}, basic("web", WEB_SECRET)
    )
    assert tokens.status_code == 200, tokens.text
    assert tokens.json()["id_token"] and tokens.json()["refresh_token"]
    service = token_request(
        client, "acme", {"grant_type": "client_credentials"}, basic("service", SERVICE_SECRET)
    )
    assert service.status_code == 200, service.text


def test_backup_taken_during_open_transactions_restores_a_working_provider(
    sqlite_rt: Runtime, acme: TenantFixture, held_transactions: None, tmp_path: Path
) -> None:
    target = tmp_path / "copies" / "idgate-backup.db"
    target.parent.mkdir()

    result = _backup(str(target))

    assert result.exit_code == 0, result.output
    copied, reminder = result.output.strip().splitlines()
    assert copied.startswith(f"backed up {sqlite_file(sqlite_rt.settings.database_url)} to ")
    assert "IDGATE_MASTER_KEY" in reminder and "does not contain the key-encryption key" in reminder
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["idgate-backup.db"]
    content = target.read_bytes()
    assert MASTER_KEY.encode() not in content
    assert base64.urlsafe_b64decode(MASTER_KEY + "=") not in content
    with sqlite3.connect(target) as copy:  # the committed state only
        names = {row[0] for row in copy.execute("SELECT name FROM customers")}
    assert names == {"Alice Liddell"}

    restored = build_runtime(
        sqlite_rt.settings.model_copy(update={"database_url": f"sqlite:///{target}"}),
        clock=sqlite_rt.clock,
    )
    try:
        _signs_in_and_issues_tokens(restored, acme)
    finally:
        install_runtime(sqlite_rt)
        restored.engine.dispose()


def test_backup_refuses_to_overwrite_without_force(
    sqlite_rt: Runtime, acme: TenantFixture, tmp_path: Path
) -> None:
    target = tmp_path / "existing.db"
    target.write_bytes(b"keep me")
    target.chmod(0o644)

    assert _error_line(_backup(str(target))) == (
        f"error: {target} already exists; pass --force to overwrite it"
    )
    assert target.read_bytes() == b"keep me"
    assert _error_line(_backup(str(sqlite_file(sqlite_rt.settings.database_url)), "--force")) == (
        "error: the backup cannot overwrite the database itself"
    )

    forced = _backup(str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_bytes().startswith(b"SQLite format 3\0")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_backup_on_postgres_points_to_pg_dump(rt: Runtime, backend: str, tmp_path: Path) -> None:
    if backend != "postgres":
        pytest.skip("the refusal is PostgreSQL's")
    target = tmp_path / "backup.db"
    assert _error_line(_backup(str(target))) == f"error: {POSTGRES_PROCEDURE}"
    assert not target.exists()


def test_a_postgres_url_is_refused_with_the_documented_procedure(tmp_path: Path) -> None:
    url = "postgresql+psycopg://idgate:secret@db.example:5432/idgate"
    with pytest.raises(BackupRefused) as refused:
        backup_sqlite(url, tmp_path / "backup.db")
    assert "pg_dump" in refused.value.description and "pg_restore" in refused.value.description
    assert "idgate migrate" in refused.value.description
    assert list(tmp_path.iterdir()) == []
