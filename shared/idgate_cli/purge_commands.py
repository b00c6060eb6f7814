"""``idgate purge``: delete the rows past their lifetime now (``idgate.oauth.retention``:
expired interactions, codes, sessions, token families, revocations, failure counters, old
outbox mail and retired signing keys) and print how many went per table. The platform
server and the scheduled maintenance function run the same purge on their own; this is for
operators and cron."""

from __future__ import annotations

import typer

from idgate.oauth.retention import purge_expired
from idgate_cli.local_runtime import local_runtime


def purge() -> None:
    """Delete expired rows (interactions, codes, sessions, token families, ...) now."""
    rt = local_runtime()  # migrates; the '*' tenant scope is the CLI's (main._platform_scope)
    counts = purge_expired(rt)
    width = max(len(table) for table in counts)
    for table, deleted in counts.items():
        typer.echo(f"{table:<{width}}  {deleted}")
    typer.echo(f"purged {sum(counts.values())} rows")
