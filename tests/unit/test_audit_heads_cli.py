"""``idgate audit head`` and ``idgate audit verify --against``: a chain whose newest events
were deleted is still internally consistent, so plain ``verify`` passes; against an
exported head it is reported as tampered, naming the tenant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from typer.testing import CliRunner, Result

from idgate.audit.hash_chain import record
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import audit_events
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import find_tenant
from idgate_cli.main import app
from tests.conftest import TenantFixture, provision_tenant


def _run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def heads_file(rt: Runtime, acme: TenantFixture, tmp_path: Path) -> Path:
    """Heads of ``acme`` and ``shop`` exported to a file, as an operator keeps them."""
    provision_tenant(rt, "shop")
    exported = _run("audit", "head")
    assert exported.exit_code == 0, exported.output
    path = tmp_path / "heads.jsonl"
    path.write_text(exported.stdout)
    return path


def _delete_last_event(rt: Runtime, tenant_id: str) -> int:
    with scoped(ALL_TENANTS), database.write(rt.engine) as conn:
        last = conn.execute(
            select(func.max(audit_events.c.seq)).where(audit_events.c.tenant_id == tenant_id)
        ).scalar_one()
        conn.execute(
            delete(audit_events).where(
                audit_events.c.tenant_id == tenant_id, audit_events.c.seq == last
            )
        )
    return int(last)


def _tenant_id(rt: Runtime, slug: str) -> str:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        tenant = find_tenant(conn, slug)
    assert tenant is not None
    return tenant.id


def test_head_exports_one_json_line_per_tenant(rt: Runtime, heads_file: Path) -> None:
    lines = [json.loads(line) for line in heads_file.read_text().splitlines()]
    heads = {line["tenant"]: line for line in lines}
    assert {"acme", "shop"} <= set(heads)
    assert heads["acme"]["seq"] > 1 and len(heads["acme"]["hash"]) == 64
    assert heads["acme"]["at"].endswith("Z") and heads["acme"]["exported_at"].endswith("Z")
    one = _run("audit", "head", "--tenant", "acme")
    assert [json.loads(line)["tenant"] for line in one.stdout.splitlines()] == ["acme"]


def test_untouched_chains_reach_their_exported_heads(rt: Runtime, heads_file: Path) -> None:
    result = _run("audit", "verify", "--against", str(heads_file))
    assert result.exit_code == 0, result.output
    assert "acme: ok reaches the exported head at seq" in result.stdout
    assert "shop: ok reaches the exported head at seq" in result.stdout


def test_a_deleted_tail_passes_verify_but_not_verify_against(rt: Runtime, heads_file: Path) -> None:
    last = _delete_last_event(rt, _tenant_id(rt, "acme"))

    alone = _run("audit", "verify")
    assert alone.exit_code == 0, alone.output  # what is left is a consistent chain

    against = _run("audit", "verify", "--against", str(heads_file))
    assert against.exit_code == 1, against.output
    assert (
        f"acme: TAMPERED head at seq {last - 1} is behind the exported seq {last}" in against.stdout
    )
    assert "shop: ok reaches the exported head" in against.stdout
    assert against.stderr.strip() == (
        "error: the audit chain does not reach its exported head: acme"
    )
    only_shop = _run("audit", "verify", "--tenant", "shop", "--against", str(heads_file))
    assert only_shop.exit_code == 0, only_shop.output


def test_a_replaced_tail_differs_from_the_exported_hash(rt: Runtime, heads_file: Path) -> None:
    acme_id = _tenant_id(rt, "acme")
    last = _delete_last_event(rt, acme_id)
    with scoped(ALL_TENANTS), database.write(rt.engine) as conn:  # a forged event in its seq
        record(conn, tenant_id=acme_id, actor="x", action="forged", now=rt.clock())

    against = _run("audit", "verify", "--tenant", "acme", "--against", str(heads_file))
    assert against.exit_code == 1, against.output
    assert f"acme: TAMPERED event at seq {last} differs from the exported hash" in against.stdout


def test_an_unreadable_heads_file_is_one_error_line(rt: Runtime, tmp_path: Path) -> None:
    bad = tmp_path / "heads.jsonl"
    bad.write_text('{"tenant": "acme", "seq": "7"}\n')
    result = _run("audit", "verify", "--against", str(bad))
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: line 1 is not an audit chain head"
