"""``idgate connection``: the host's operator connects a tenant's own GitHub, Google,
Microsoft or OpenID Connect app (bring your own OAuth) on the local database. Each command
is the admin API's control-plane operation (``idgate.control.connections_admin``) made by
``LOCAL_OPERATOR``: audited as ``operator:local-cli``, held to the tier's rules.

``create`` and ``list`` print the callback URL to register at the provider. It derives from
``IDGATE_PUBLIC_URL``; without it, from the URL ``idgate serve`` answers on by default,
and the command says so. The client secret is never printed.
"""

from __future__ import annotations

from typing import Annotated

import typer

from idgate.control import connections_admin
from idgate.control.connections_admin import ConnectionView
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.identity.upstream.connections import ConnectionSettings
from idgate.identity.upstream.providers import PROVIDER_NAMES
from idgate_cli.command_options import require_choice
from idgate_cli.connection_options import (
    ClientIdOption,
    IssuerOption,
    MicrosoftTenantOption,
    NameOption,
    ProviderOption,
    ScopeOption,
)
from idgate_cli.local_runtime import local_runtime, reported
from idgate_cli.output import print_table

connection_app = typer.Typer(
    no_args_is_help=True,
    help="Manage a tenant's upstream connections (sign in with GitHub, Google, ...).",
)

# `idgate serve`'s default --host and --port: the public URL when IDGATE_PUBLIC_URL is unset.
SERVE_DEFAULT_URL = "http://127.0.0.1:8000"
NO_PUBLIC_URL_NOTE = (
    f"note: IDGATE_PUBLIC_URL is not set, so this assumes `idgate serve` on its default "
    f"{SERVE_DEFAULT_URL}; set IDGATE_PUBLIC_URL to the server's public URL and register "
    "the callback URL under it"
)


def _callback_url(view: ConnectionView) -> str:
    # Without a public URL the control plane knows the path alone.
    url = view.callback_url
    return SERVE_DEFAULT_URL + url if url.startswith("/") else url


def _note_if_no_public_url(views: list[ConnectionView]) -> None:
    if any(view.callback_url.startswith("/") for view in views):
        typer.echo(NO_PUBLIC_URL_NOTE)


@connection_app.command("create")
def connection_create(
    slug: str,
    provider: ProviderOption,
    client_id: ClientIdOption,
    client_secret: Annotated[
        str, typer.Option("--client-secret", help="Your app's client secret (never printed).")
    ],
    connection_id: Annotated[
        str | None, typer.Option("--id", help="Default: the provider name.")
    ] = None,
    name: NameOption = None,
    issuer: IssuerOption = None,
    scope: ScopeOption = None,
    microsoft_tenant: MicrosoftTenantOption = None,
) -> None:
    """Connect (or replace) an upstream app; prints the callback URL to register there."""
    require_choice(provider, PROVIDER_NAMES, "--provider")
    wanted = ConnectionSettings(
        provider=provider,
        client_id=client_id,
        client_secret=client_secret,
        name=name,
        issuer=issuer,
        microsoft_tenant=microsoft_tenant,
        scopes=tuple(scope or ()),
    )
    rt = local_runtime()
    with reported():
        view, created = connections_admin.put_upstream_connection(
            rt, LOCAL_OPERATOR, slug, connection_id or provider, wanted
        )
    c = view.connection
    typer.echo(
        f"{'created' if created else 'replaced'} connection {c.id} ({c.name}, {c.provider}) "
        f"in tenant {slug}"
    )
    typer.echo(f"callback URL to register at the provider: {_callback_url(view)}")
    _note_if_no_public_url([view])


@connection_app.command("list")
def connection_list(slug: str) -> None:
    """A tenant's connections and the callback URL of each (secrets are never shown)."""
    rt = local_runtime()
    with reported():
        views = connections_admin.list_upstream_connections(rt, LOCAL_OPERATOR, slug)
    connections = [view.connection for view in views]
    print_table(
        ["id", "provider", "name", "client_id", "enabled"],
        [[c.id, c.provider, c.name, c.client_id, c.enabled] for c in connections],
        empty=f"no connections in tenant {slug}",
    )
    # One whole line each, never folded by the table: they are copied into the provider.
    for view in views:
        typer.echo(f"callback URL of {view.connection.id}: {_callback_url(view)}")
    _note_if_no_public_url(views)


@connection_app.command("delete")
def connection_delete(slug: str, connection_id: str) -> None:
    """Delete a connection; the customer accounts linked through it are unlinked."""
    rt = local_runtime()
    with reported():
        connections_admin.delete_upstream_connection(rt, LOCAL_OPERATOR, slug, connection_id)
    typer.echo(f"deleted connection {connection_id} from tenant {slug}")
