"""``idgate keys rotate`` and ``idgate keys list``: a tenant's signing keys rotated from the
command line on the local database (the admin API's operation, audited as
``operator:local-cli``), printing the new kids and when they take over; every refusal is one
error line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import audit_events
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate_cli.main import app
from tests.conftest import FakeClock, TenantFixture


@pytest.fixture(autouse=True)
def wide_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")  # rich tables: kids unbroken in the captured output


def keys(*args: str) -> Result:
    return CliRunner().invoke(app, ["keys", *args])


def utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S")


def listed(rt: Runtime) -> dict[str, list[str]]:
    """``keys list acme`` as {kid: [alg, status, ...]}, one per table row."""
    result = keys("list", "acme")
    assert result.exit_code == 0, result.output
    rows = [line.strip("│┃ ").split("│") for line in result.stdout.splitlines()]
    cells = [[cell.strip() for cell in row] for row in rows if len(row) == 6]
    return {row[0]: row[1:] for row in cells if row[0] != "kid"}


def test_rotate_prints_each_new_kid_and_when_it_signs(
    rt: Runtime, acme: TenantFixture, clock: FakeClock
) -> None:
    result = keys("rotate", "acme")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "published next signing keys of acme in its JWKS:"
    activates_at = clock.now + rt.settings.key_rotation_delay_seconds
    new = [line.split()[1] for line in lines[1:3]]
    assert lines[1:3] == [
        f"  key {new[0]} (ES256) signs from {utc(activates_at)} UTC",
        f"  key {new[1]} (RS256) signs from {utc(activates_at)} UTC",
    ]
    assert "stay published until every token they signed has expired" in lines[3]
    table = listed(rt)
    assert [table[kid][:2] for kid in new] == [["ES256", "next"], ["RS256", "next"]]
    assert sorted(row[1] for kid, row in table.items() if kid not in new) == ["current"] * 2
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        actors = conn.execute(
            select(audit_events.c.actor).where(audit_events.c.action == "keys.rotated")
        ).scalars()
        assert list(actors) == ["operator:local-cli"]


def test_rotate_immediately_names_the_withdrawn_keys(rt: Runtime, acme: TenantFixture) -> None:
    keys("rotate", "acme")
    before = set(listed(rt))

    result = keys("rotate", "acme", "--immediate")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "replaced the signing keys of acme at once:"
    assert lines[1].endswith("(ES256) signs now") and lines[2].endswith("(RS256) signs now")
    assert lines[3].startswith(f"withdrew {len(before)} earlier keys (")
    assert all(kid in lines[3] for kid in before)
    assert "every token they signed no longer validates" in lines[3]
    assert {row[1] for row in listed(rt).values()} == {"current"}


def test_a_pending_rotation_and_an_unknown_tenant_are_one_error_line(
    rt: Runtime, acme: TenantFixture
) -> None:
    assert keys("rotate", "acme").exit_code == 0
    pending = keys("rotate", "acme")
    unknown = keys("rotate", "nope")

    assert pending.exit_code == unknown.exit_code == 1
    assert pending.stderr.startswith("error: a rotation is already pending: key ")
    assert unknown.stderr == "error: no such organization\n"
    assert "Traceback" not in pending.output + unknown.output


def test_list_before_any_key_exists_says_so(rt: Runtime, acme: TenantFixture) -> None:
    result = keys("list", "acme")
    assert result.exit_code == 0, result.output
    assert result.stdout == "no signing keys in acme yet (they are made when it first signs)\n"
