"""``idgate platform init``: the one admin command that works on the local database.

Before it, there is no platform tenant to log in to, so it cannot go through the admin
API; it runs where the database is and prints the next step.
"""

from __future__ import annotations

from typing import Annotated

import typer

from idgate_cli.admin_session import reported
from idgate_cli.local_runtime import local_runtime

platform_app = typer.Typer(no_args_is_help=True, help="Set up the platform (local database).")


@platform_app.command("init")
def platform_init(
    owner_email: Annotated[str, typer.Option("--owner-email", help="The first platform owner.")],
    password: Annotated[
        str | None, typer.Option(help="The owner's password; generated when omitted.")
    ] = None,
) -> None:
    """Create the platform tenant, its CLI client and the first owner. Idempotent."""
    from idgate.control.platform import ADMIN_AUDIENCE, CLI_CLIENT_ID, init_platform

    rt = local_runtime()
    with reported():
        result = init_platform(rt, owner_email=owner_email, password=password)
    typer.echo(
        f"platform tenant 'platform' ready; device-flow client '{CLI_CLIENT_ID}' "
        f"(audience {ADMIN_AUDIENCE})"
    )
    if result.created_owner:
        typer.echo(f"created platform owner {result.owner_email}")
    else:
        typer.echo(f"platform owner {result.owner_email} already exists (password unchanged)")
    if result.generated_password:
        typer.echo(f"owner password (shown once): {result.generated_password}")
    typer.echo("next: idgate serve, then idgate login --url URL")
