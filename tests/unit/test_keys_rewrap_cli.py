"""``idgate keys rewrap``: the key-encryption key rotated from the command line, to a master
key in a file or an environment variable or to KMS (moto), with what to set next; and every
way it can go wrong is one error line that leaves the data keys as they were."""

from __future__ import annotations

import base64
import stat
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from pydantic import SecretStr
from sqlalchemy import select
from typer.testing import CliRunner, Result

from idgate.crypto.envelope import EnvelopeError
from idgate.kernel.runtime import Runtime
from idgate.keys import signing_keys as keys
from idgate.process import build_runtime
from idgate.storage import database
from idgate.storage.tables import tenant_data_keys
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import serving_tenant
from idgate_cli.main import app
from tests.conftest import TenantFixture

NEW_MASTER_KEY = base64.urlsafe_b64encode(bytes(range(100, 132))).decode().rstrip("=")


@pytest.fixture(autouse=True)
def platform_scope() -> Iterator[None]:
    """The test's own reads of the data-key table are platform-level work."""
    with scoped(ALL_TENANTS):
        yield


def _wrapped(rt: Runtime) -> dict[str, tuple[str, bytes]]:
    query = select(
        tenant_data_keys.c.tenant_id, tenant_data_keys.c.provider, tenant_data_keys.c.wrapped_key
    )
    with database.read(rt.engine) as conn:
        return {row.tenant_id: (row.provider, row.wrapped_key) for row in conn.execute(query)}


def _rewrap(*args: str) -> Result:
    return CliRunner().invoke(app, ["keys", "rewrap", *args])


def _signs_with(rt: Runtime, slug: str, **key_settings: object) -> bool:
    """Whether a process configured with ``key_settings`` opens the tenant's signing key."""
    other = build_runtime(rt.settings.model_copy(update=key_settings), clock=rt.clock)
    try:
        keys.signing_key(other, serving_tenant(rt, slug).id, keys.ID_TOKEN_DEFAULT_ALG)
        return True
    except EnvelopeError:
        return False
    finally:
        other.engine.dispose()


def _error_line(result: Result) -> str:
    lines = result.output.strip().splitlines()
    assert result.exit_code == 1 and len(lines) == 1, result.output
    return lines[0]


def test_rewrap_to_a_master_key_file_reports_the_count_and_what_to_set(
    rt: Runtime, acme: TenantFixture, tmp_path: Path
) -> None:
    key_file = tmp_path / "new.key"
    key_file.write_text(NEW_MASTER_KEY + "\n")

    result = _rewrap("--to-master-key-file", str(key_file))

    assert result.exit_code == 0, result.output
    first, next_step = result.output.strip().splitlines()
    assert first == "re-wrapped 1 data key under the new key-encryption key (local)"
    assert next_step.startswith(
        f"next: set IDGATE_KEY_PROVIDER=local and IDGATE_MASTER_KEY to the key in {key_file}"
    )
    assert "restart every idgate process" in next_step
    assert _signs_with(rt, acme.slug, master_key=SecretStr(NEW_MASTER_KEY))
    assert not _signs_with(rt, acme.slug)  # the old key no longer opens it


def test_rewrap_to_a_missing_key_file_creates_a_fresh_private_key(
    rt: Runtime, acme: TenantFixture, tmp_path: Path
) -> None:
    key_file = tmp_path / "keys" / "master.key"

    result = _rewrap("--to-master-key-file", str(key_file))

    assert result.exit_code == 0, result.output
    assert f"generated a new master key in {key_file} (mode 0600)" in result.output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert _signs_with(rt, acme.slug, master_key=None, master_key_file=key_file)


def test_rewrap_to_a_master_key_in_an_environment_variable(
    rt: Runtime, acme: TenantFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEW_IDGATE_KEY", NEW_MASTER_KEY)

    result = _rewrap("--to-master-key-env", "NEW_IDGATE_KEY")

    assert result.exit_code == 0, result.output
    assert "IDGATE_MASTER_KEY=$NEW_IDGATE_KEY" in result.output
    assert _signs_with(rt, acme.slug, master_key=SecretStr(NEW_MASTER_KEY))


@pytest.mark.aws
def test_rewrap_to_kms_moves_every_data_key_to_kms(
    rt: Runtime, acme: TenantFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        key_id = boto3.client("kms").create_key()["KeyMetadata"]["KeyId"]

        result = _rewrap("--to-kms-key-id", key_id)

        assert result.exit_code == 0, result.output
        assert "(kms)" in result.output
        assert f"IDGATE_KEY_PROVIDER=kms and IDGATE_KMS_KEY_ID={key_id}" in result.output
        assert {provider for provider, _ in _wrapped(rt).values()} == {"kms"}
        assert _signs_with(rt, acme.slug, key_provider="kms", kms_key_id=key_id)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "error: choose one of --to-master-key-file, --to-master-key-env, --to-kms-key-id"),
        (
            ["--to-master-key-env", "A", "--to-kms-key-id", "k"],
            "error: choose one of --to-master-key-file, --to-master-key-env, --to-kms-key-id",
        ),
        (
            ["--to-master-key-env", "UNSET_KEY"],
            "error: the environment variable UNSET_KEY is not set",
        ),
        (
            ["--to-master-key-env", "SHORT_KEY"],
            "error: SHORT_KEY must hold a base64url-encoded 32-byte key",
        ),
    ],
)
def test_a_wrong_target_is_one_error_line_and_changes_nothing(
    rt: Runtime,
    acme: TenantFixture,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.delenv("UNSET_KEY", raising=False)
    monkeypatch.setenv("SHORT_KEY", "c2hvcnQ")
    before = _wrapped(rt)

    assert _error_line(_rewrap(*args)) == message
    assert _wrapped(rt) == before


def test_a_current_key_that_does_not_open_the_data_keys_rewraps_nothing(
    rt: Runtime, acme: TenantFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Configured with the wrong current key, the command stops before any write."""
    wrong = build_runtime(rt.settings.model_copy(update={"master_key": SecretStr(NEW_MASTER_KEY)}))
    monkeypatch.setattr("idgate_cli.local_runtime.current_runtime", lambda: wrong)
    monkeypatch.setenv("THIRD_KEY", base64.urlsafe_b64encode(bytes(32)).decode().rstrip("="))
    before = _wrapped(rt)

    line = _error_line(_rewrap("--to-master-key-env", "THIRD_KEY"))

    assert line.startswith("error: no data key was re-wrapped: EnvelopeError")
    assert _wrapped(rt) == before
    wrong.engine.dispose()
