"""``idgate login`` and ``logout``: the operator's session with a remote idgate server.

Login is the device flow against the platform tenant (``device_flow``): it works from any
terminal, and the password is typed only into idgate's own page. The tokens are stored
0600 (``credentials``) for the admin commands to use.
"""

from __future__ import annotations

from typing import Annotated

import typer

from idgate_cli import credentials as stored
from idgate_cli.admin_session import reported
from idgate_cli.api_client import AdminApi
from idgate_cli.device_flow import poll_device_token, start_device_login
from idgate_cli.http_transport import CliError, http_client, normalize_url
from idgate_cli.platform_tokens import revoke_refresh_token


def login(
    url: Annotated[
        str, typer.Option("--url", help="The idgate server, e.g. http://127.0.0.1:8000")
    ],
) -> None:
    """Sign in as an operator with the device flow; stores the tokens (0600)."""
    with reported():
        base = normalize_url(url)
        with http_client() as client:
            device = start_device_login(client, base)
            typer.echo(f"To sign in, open {device.verification_uri}")
            typer.echo(f"and enter the code: {device.user_code}")
            if device.verification_uri_complete:
                typer.echo(f"(or open {device.verification_uri_complete})")
            typer.echo("waiting for approval...")
            credentials = poll_device_token(client, base, device)
            path = stored.save(credentials)
            me = AdminApi(client, credentials).get("/me")
    role = "platform owner" if me.get("platform_owner") else "operator"
    typer.echo(f"logged in to {base} as {me.get('email')} ({role}); credentials in {path}")


def logout() -> None:
    """Revoke the refresh token and remove the stored credentials."""
    with reported():
        credentials = stored.load()
        if credentials is None:
            typer.echo("not logged in")
            return
        try:
            with http_client() as client:
                revoke_refresh_token(client, credentials)
        except CliError as exc:  # the server may be gone: forget the tokens all the same
            typer.echo(f"warning: the refresh token was not revoked: {exc}", err=True)
        stored.delete()
    typer.echo(f"logged out of {credentials.url}")
