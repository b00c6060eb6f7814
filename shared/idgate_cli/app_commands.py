"""``idgate apps``: an organization's applications (OAuth clients) through the admin API.

A confidential application's secret is stored hashed, so the server returns it only when
it is made (``create``, ``rotate-secret``) and the CLI prints it exactly then, once.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from idgate_cli.admin_session import operator_api
from idgate_cli.api_client import org_path
from idgate_cli.command_options import YesOption, require_yes
from idgate_cli.output import print_table

apps_app = typer.Typer(no_args_is_help=True, help="Manage an organization's applications.")


def _print_secret(app: dict[str, Any]) -> None:
    if app.get("client_secret"):
        typer.echo(f"client secret (shown once): {app['client_secret']}")


@apps_app.command("list")
def apps_list(org: str) -> None:
    """List an organization's applications."""
    with operator_api() as api:
        apps = api.get(org_path(org, "apps"))
    print_table(
        ["client_id", "name", "type", "grants", "redirect URIs"],
        [
            [a["client_id"], a["name"], a["client_type"], a["grants"], a["redirect_uris"]]
            for a in apps
        ],
        empty=f"no applications in {org}",
    )


@apps_app.command("create")
def apps_create(
    org: str,
    client_id: Annotated[str, typer.Option("--client-id", help="The client identifier.")],
    public: Annotated[
        bool, typer.Option("--public", help="A public client (no secret; PKCE only).")
    ] = False,
    redirect_uri: Annotated[
        list[str] | None, typer.Option("--redirect-uri", help="Repeat for several.")
    ] = None,
    grant: Annotated[
        list[str] | None,
        typer.Option("--grant", help="authorization_code, refresh_token, ... (repeat)."),
    ] = None,
    post_logout_redirect_uri: Annotated[
        list[str] | None, typer.Option("--post-logout-redirect-uri", help="Repeat for several.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Register an application; a confidential one's secret is printed once."""
    body: dict[str, Any] = {
        "client_id": client_id,
        "name": name,
        "client_type": "public" if public else "confidential",
        "redirect_uris": redirect_uri or [],
        "post_logout_redirect_uris": post_logout_redirect_uri or [],
    }
    if grant:
        body["grants"] = grant  # else the server's default
    with operator_api() as api:
        app = api.post(org_path(org, "apps"), body)
    typer.echo(f"created {app['client_type']} application {app['client_id']} in {org}")
    _print_secret(app)


@apps_app.command("rotate-secret")
def apps_rotate_secret(org: str, client_id: str) -> None:
    """Replace a confidential application's secret; the new one is printed once."""
    with operator_api() as api:
        app = api.post(org_path(org, "apps", client_id, "rotate-secret"))
    typer.echo(f"rotated the secret of {app['client_id']} in {org}")
    _print_secret(app)


@apps_app.command("delete")
def apps_delete(org: str, client_id: str, yes: YesOption = False) -> None:
    """Delete an application; its tokens stop working."""
    require_yes(yes, f"application {client_id}")
    with operator_api() as api:
        api.delete(org_path(org, "apps", client_id))
    typer.echo(f"deleted application {client_id} from {org}")
