"""``idgate audit``: read the audit log through the admin API (``list``) and check its
hash chains on the local database (``verify``); export their heads (``head``) to keep
elsewhere, so that ``verify --against`` detects a chain whose newest events were deleted.

Verification reads the stored rows themselves, not what a server reports about them, so
it runs where the database is; a broken chain is exit status 1 for scripts and alerts.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from idgate_cli.admin_session import operator_api, reported
from idgate_cli.api_client import org_path
from idgate_cli.command_options import CursorOption, LimitOption
from idgate_cli.local_runtime import fail, local_runtime
from idgate_cli.output import print_next_cursor, print_table, utc_time

if TYPE_CHECKING:
    from idgate.audit.chain_heads import ChainHead
    from idgate.kernel.runtime import Runtime

audit_app = typer.Typer(no_args_is_help=True, help="Read and verify the audit log.")


def _event_table(
    events: list[dict[str, Any]], *, with_tenant: bool
) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows of an events page; platform-wide pages say whose event it is."""
    columns = ["time (UTC)", "seq", "actor", "action", "target"]
    rows = [[utc_time(e["at"]), e["seq"], e["actor"], e["action"], e["target"]] for e in events]
    if with_tenant:
        columns.insert(1, "tenant")
        for row, event in zip(rows, events, strict=True):
            row.insert(1, event["tenant_id"])
    return columns, rows


@audit_app.command("list")
def audit_list(
    org: Annotated[
        str | None, typer.Option(help="One organization; platform-wide without.")
    ] = None,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. org.approved.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only this actor.")] = None,
    limit: LimitOption = 50,
    cursor: CursorOption = None,
) -> None:
    """Audit events, newest first."""
    path = org_path(org, "audit") if org else "/audit"
    with operator_api() as api:
        page = api.get(path, action=action, actor=actor, limit=limit, cursor=cursor)
    columns, rows = _event_table(page["events"], with_tenant=not org)
    print_table(columns, rows, empty="no audit events")
    print_next_cursor(page)


@audit_app.command("head")
def audit_head(
    tenant: Annotated[str | None, typer.Option(help="One tenant's slug; all without.")] = None,
) -> None:
    """Print each tenant's chain head as a JSON line; keep it outside the database."""
    from idgate.audit.chain_heads import head_line
    from idgate.control.audit_log import audit_chain_heads

    rt = local_runtime()
    with reported():
        heads = audit_chain_heads(rt, tenant)
    now = rt.clock()
    for slug, head in heads:
        typer.echo(head_line(slug, head, exported_at=now))


def _read_heads(path: Path) -> dict[str, ChainHead]:
    from idgate.audit.chain_heads import parse_head_lines

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {exc}")
    with reported():
        return parse_head_lines(text)


def _behind_exported_heads(rt: Runtime, path: Path, tenant: str | None) -> list[str]:
    """Print how each chain compares with its head in ``path``; the tampered tenants."""
    from idgate.control.audit_log import compare_audit_heads

    exported = _read_heads(path)
    with reported():
        comparisons = compare_audit_heads(rt, exported, tenant)
    tampered = []
    for slug, head, problem in comparisons:
        if problem is None:
            typer.echo(f"{slug}: ok reaches the exported head at seq {head.seq}")
        else:
            tampered.append(slug)
            typer.echo(f"{slug}: TAMPERED {problem}")
    return tampered


@audit_app.command("verify")
def audit_verify(
    tenant: Annotated[str | None, typer.Option(help="One tenant's slug; all without.")] = None,
    against: Annotated[
        Path | None,
        typer.Option(help="A file of heads from `idgate audit head`: detects a deleted tail."),
    ] = None,
) -> None:
    """Check the audit hash chains in the local database; exit 1 if any is broken."""
    from idgate.control.audit_log import verify_audit_chains

    rt = local_runtime()
    with reported():
        verdicts = verify_audit_chains(rt, tenant)
    broken = 0
    for slug, verdict in verdicts:
        if verdict.intact:
            typer.echo(f"{slug}: ok {verdict.events} events")
        else:
            broken += 1
            typer.echo(f"{slug}: BROKEN at seq {verdict.first_bad_seq}")
    tampered = _behind_exported_heads(rt, against, tenant) if against else []
    if broken:
        fail(f"the audit chain of {broken} tenant{'s are' if broken != 1 else ' is'} broken")
    if tampered:
        fail(f"the audit chain does not reach its exported head: {', '.join(tampered)}")
