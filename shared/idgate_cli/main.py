"""The ``idgate`` command: run the platform, provision tenants, clients, users and upstream
connections, rotate signing keys and the key-encryption key, check mail, and administer a
remote server.

Local commands (``idgate_cli.local_runtime``) migrate the database first; the admin
commands (``login``, ``orgs``, ``apps``, ``connections``, ``customers``, ``members``,
``signing-keys``, ``audit list``) talk to the admin API (``idgate_cli.api_client``). Each
group lives in its own ``*_commands`` module; this one assembles them. Errors are one clear
line and exit status 1, never a traceback.
"""

from __future__ import annotations

from typing import Annotated

import typer

from idgate.storage.tenant_scope import ALL_TENANTS, reset_scope, set_scope
from idgate_cli.analytics_commands import analytics_app
from idgate_cli.app_commands import apps_app
from idgate_cli.audit_commands import audit_app
from idgate_cli.backup_commands import backup
from idgate_cli.connection_commands import connections_app
from idgate_cli.customer_commands import customers_app
from idgate_cli.keys_commands import keys_app
from idgate_cli.local_runtime import local_runtime
from idgate_cli.login_commands import login, logout
from idgate_cli.mail_commands import mail_app
from idgate_cli.member_commands import members_app
from idgate_cli.org_commands import orgs_app
from idgate_cli.platform_commands import platform_app
from idgate_cli.provision_commands import client_app, tenant_app, user_app
from idgate_cli.provision_connection_commands import connection_app
from idgate_cli.purge_commands import purge
from idgate_cli.signing_key_admin_commands import signing_keys_app

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
app.add_typer(tenant_app, name="tenant")
app.add_typer(client_app, name="client")
app.add_typer(user_app, name="user")
app.add_typer(connection_app, name="connection")
app.add_typer(keys_app, name="keys")
app.add_typer(mail_app, name="mail")
app.add_typer(platform_app, name="platform")
app.add_typer(orgs_app, name="orgs")
app.add_typer(apps_app, name="apps")
app.add_typer(connections_app, name="connections")
app.add_typer(customers_app, name="customers")
app.add_typer(members_app, name="members")
app.add_typer(signing_keys_app, name="signing-keys")
app.add_typer(audit_app, name="audit")
app.add_typer(analytics_app, name="analytics")
app.command("login")(login)
app.command("logout")(logout)
app.command("purge")(purge)
app.command("backup")(backup)


@app.callback()
def _platform_scope(ctx: typer.Context) -> None:
    # A command is platform-level operator work: its transactions see every tenant's rows
    # (the '*' scope of PostgreSQL row-level security) until it ends. Not `serve`: the
    # server starts unscoped and each request gets its scope from its route.
    if ctx.invoked_subcommand != "serve":
        token = set_scope(ALL_TENANTS)
        ctx.call_on_close(lambda: reset_scope(token))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    emulate_aws: Annotated[
        bool, typer.Option("--emulate-aws", help="Use KMS and SES emulated by moto, in-process.")
    ] = False,
) -> None:
    """Run every flow in one process; in local mode also the demo relying party and dev pages."""
    import importlib.util
    import os
    import sys

    if emulate_aws:
        # moto's server lives in this process, so the server must too.
        if importlib.util.find_spec("moto") is None:
            typer.echo(
                "error: --emulate-aws needs moto and boto3: pip install -e '.[dev]'", err=True
            )
            raise typer.Exit(1)
        from local.dev.server import run

        run(host=host, port=port, emulate_aws=True)
        return
    rt = local_runtime()  # migrates
    module = "local.dev.server" if rt.settings.env == "local" else "local.server"
    # The server starts as a fresh interpreter (same pid): the CLI, Alembic and their
    # imports are 20 MiB it would otherwise hold for its whole life.
    server = [sys.executable, "-m", module, "--host", host, "--port", str(port)]
    os.execv(sys.executable, server)  # noqa: S606 - an argument list, no shell


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (for deploy pipelines; every command does it too)."""
    local_runtime()
    typer.echo("database schema is up to date")
