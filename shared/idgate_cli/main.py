"""The ``idgate`` command: run the platform and provision tenants, clients and users.

Every command migrates the database first. Errors are one clear line and exit status 1,
never a traceback.
"""

from __future__ import annotations

from typing import Annotated

import typer

from idgate import provisioning
from idgate.kernel.errors import IdgateError
from idgate.kernel.runtime import Runtime
from idgate.process import current_runtime
from idgate.storage.tenant_scope import ALL_TENANTS, reset_scope, set_scope
from idgate_cli import admin_commands

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
tenant_app = typer.Typer(no_args_is_help=True, help="Manage tenants (organizations).")
client_app = typer.Typer(no_args_is_help=True, help="Manage applications (OAuth clients).")
user_app = typer.Typer(no_args_is_help=True, help="Manage customers (end users).")
mail_app = typer.Typer(no_args_is_help=True, help="Read the local mail outbox.")
app.add_typer(tenant_app, name="tenant")
app.add_typer(client_app, name="client")
app.add_typer(user_app, name="user")
app.add_typer(mail_app, name="mail")
app.add_typer(admin_commands.platform_app, name="platform")
app.add_typer(admin_commands.orgs_app, name="orgs")
app.add_typer(admin_commands.apps_app, name="apps")
app.add_typer(admin_commands.customers_app, name="customers")
app.add_typer(admin_commands.members_app, name="members")
app.add_typer(admin_commands.audit_app, name="audit")
app.command("login")(admin_commands.login)
app.command("logout")(admin_commands.logout)


@app.callback()
def _platform_scope(ctx: typer.Context) -> None:
    # A command is platform-level operator work: its transactions see every tenant's rows
    # (the '*' scope of PostgreSQL row-level security) until it ends. Not `serve`: the
    # server starts unscoped and each request gets its scope from its route.
    if ctx.invoked_subcommand != "serve":
        token = set_scope(ALL_TENANTS)
        ctx.call_on_close(lambda: reset_scope(token))


def _runtime() -> Runtime:
    try:
        rt = current_runtime()
        provisioning.prepare_database(rt)
    except Exception as exc:  # settings or database errors: one line, no traceback
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    return rt


def _fail(exc: IdgateError) -> None:
    typer.echo(f"error: {exc.description}", err=True)
    raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    emulate_aws: Annotated[
        bool, typer.Option("--emulate-aws", help="Use KMS and SES emulated by moto, in-process.")
    ] = False,
) -> None:
    """Run every flow, the demo relying party and the dev pages in one process."""
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
        from local.server import run

        run(host=host, port=port, emulate_aws=True)
        return
    _runtime()  # migrates
    # The server starts as a fresh interpreter (same pid): the CLI, Alembic and their
    # imports are 20 MiB it would otherwise hold for its whole life.
    server = [sys.executable, "-m", "local.server", "--host", host, "--port", str(port)]
    os.execv(sys.executable, server)  # noqa: S606 - an argument list, no shell


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (for deploy pipelines; every command does it too)."""
    _runtime()
    typer.echo("database schema is up to date")


@tenant_app.command("create")
def tenant_create(
    slug: str, name: Annotated[str | None, typer.Option(help="Display name.")] = None
) -> None:
    """Create an active tenant; its issuer is {public_url}/t/SLUG."""
    rt = _runtime()
    try:
        tenant = provisioning.create_tenant(rt, slug=slug, name=name)
    except IdgateError as exc:
        _fail(exc)
    typer.echo(f"created tenant {tenant.slug} ({tenant.name})")


@client_app.command("create")
def client_create(
    slug: str,
    client_id: Annotated[str, typer.Option("--client-id", help="The client identifier.")],
    redirect_uri: Annotated[list[str] | None, typer.Option("--redirect-uri")] = None,
    grant: Annotated[list[str] | None, typer.Option("--grant")] = None,
    post_logout_redirect_uri: Annotated[
        list[str] | None, typer.Option("--post-logout-redirect-uri")
    ] = None,
    secret: Annotated[str | None, typer.Option(help="Operator-chosen secret, >= 32 chars.")] = None,
    confidential: Annotated[bool, typer.Option("--confidential")] = False,
    public: Annotated[bool, typer.Option("--public")] = False,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Register an application. Without --secret, --confidential generates one (shown once)."""
    if sum([secret is not None, confidential, public]) > 1:
        typer.echo("error: choose one of --secret, --confidential, --public", err=True)
        raise typer.Exit(1)
    rt = _runtime()
    try:
        client, generated = provisioning.create_client(
            rt,
            slug,
            client_id=client_id,
            name=name,
            client_type="public" if public else "confidential",
            secret=secret,
            redirect_uris=redirect_uri or [],
            post_logout_redirect_uris=post_logout_redirect_uri or [],
            grants=grant or ["authorization_code"],
        )
    except IdgateError as exc:
        _fail(exc)
    typer.echo(f"created {client.client_type} client {client.client_id} in tenant {slug}")
    if generated:
        typer.echo(f"client secret (shown once): {generated}")


@user_app.command("create")
def user_create(
    slug: str,
    email: Annotated[str, typer.Option(help="Sign-in email.")],
    password: Annotated[str, typer.Option(help="At least 8 characters.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Create a customer who can sign in with email and password."""
    rt = _runtime()
    try:
        customer = provisioning.create_user(rt, slug, email=email, password=password, name=name)
    except IdgateError as exc:
        _fail(exc)
    typer.echo(f"created user {customer.email} ({customer.id}) in tenant {slug}")


@mail_app.command("outbox")
def mail_outbox(
    limit: Annotated[int, typer.Option(min=1, help="How many messages, newest first.")] = 10,
) -> None:
    """Show the mail the local outbox stored instead of sending (IDGATE_MAIL_PROVIDER=outbox)."""
    from datetime import UTC, datetime

    from idgate.mail.outbox import recent_outbox

    rt = _runtime()
    if rt.settings.mail_provider != "outbox":
        typer.echo(f"note: IDGATE_MAIL_PROVIDER={rt.settings.mail_provider}; mail is not stored")
    messages = recent_outbox(rt, limit=limit)
    if not messages:
        typer.echo("the outbox is empty")
    for message in messages:
        sent = datetime.fromtimestamp(message.created_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(f"--- {sent} UTC  {message.sender} -> {message.recipient}")
        typer.echo(f"Subject: {message.subject}\n\n{message.text_body}\n")
