"""``idgate connections``: an organization's upstream connections (bring your own OAuth)
through the admin API.

The client secret is write-only: ``put`` sends it when given (absent keeps the stored one)
and nothing ever prints it; the server answers only whether one is set.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from idgate.identity.upstream.providers import PROVIDER_NAMES
from idgate_cli.admin_session import operator_api
from idgate_cli.api_client import org_path
from idgate_cli.command_options import YesOption, require_choice, require_yes
from idgate_cli.connection_options import (
    ClientIdOption,
    IssuerOption,
    MicrosoftTenantOption,
    NameOption,
    ProviderOption,
    ScopeOption,
)
from idgate_cli.output import cell_text, console, print_table

connections_app = typer.Typer(
    no_args_is_help=True, help="Manage an organization's upstream connections."
)


def _print_connection(c: dict[str, Any]) -> None:
    """Through the plain console: names and URLs are data, not markup."""
    plain = console()
    plain.print(f"connection {c['id']} ({c['name']}, {c['provider']})")
    for field in ("client_id", "issuer", "microsoft_tenant", "scopes", "enabled", "secret_set"):
        plain.print(f"  {field}: {cell_text(c.get(field))}")
    plain.print(f"  callback URL to register at the provider: {c['callback_url']}")


@connections_app.command("list")
def connections_list(org: str) -> None:
    """List an organization's connections and their callback URLs."""
    with operator_api() as api:
        connections = api.get(org_path(org, "connections"))
    print_table(
        ["id", "provider", "name", "client_id", "enabled"],
        [[c["id"], c["provider"], c["name"], c["client_id"], c["enabled"]] for c in connections],
        empty=f"no connections in {org}",
    )
    for c in connections:  # whole lines: they are copied into the provider's settings
        typer.echo(f"callback URL of {c['id']}: {c['callback_url']}")


@connections_app.command("get")
def connections_get(org: str, connection_id: str) -> None:
    """One connection (its secret is never shown)."""
    with operator_api() as api:
        _print_connection(api.get(org_path(org, "connections", connection_id)))


@connections_app.command("put")
def connections_put(
    org: str,
    connection_id: str,
    provider: ProviderOption,
    client_id: ClientIdOption,
    client_secret: Annotated[
        str | None, typer.Option("--client-secret", help="Required to create; else kept.")
    ] = None,
    name: NameOption = None,
    issuer: IssuerOption = None,
    scope: ScopeOption = None,
    microsoft_tenant: MicrosoftTenantOption = None,
    enabled: Annotated[
        bool, typer.Option("--enabled/--disabled", help="Show its button on the sign-in page.")
    ] = True,
) -> None:
    """Create or replace a connection (the whole of it, except an omitted secret)."""
    require_choice(provider, PROVIDER_NAMES, "--provider")
    body: dict[str, Any] = {
        "provider": provider,
        "client_id": client_id,
        "name": name,
        "issuer": issuer,
        "scopes": scope or [],
        "enabled": enabled,
        "microsoft_tenant": microsoft_tenant,
    }
    if client_secret is not None:
        body["client_secret"] = client_secret
    with operator_api() as api:
        connection = api.put(org_path(org, "connections", connection_id), body)
    typer.echo(f"saved connection {connection['id']} in {org}")
    _print_connection(connection)


@connections_app.command("delete")
def connections_delete(org: str, connection_id: str, yes: YesOption = False) -> None:
    """Delete a connection; the customer accounts linked through it are unlinked."""
    require_yes(yes, f"connection {connection_id}")
    with operator_api() as api:
        api.delete(org_path(org, "connections", connection_id))
    typer.echo(f"deleted connection {connection_id} from {org}")
