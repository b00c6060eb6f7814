"""The operator's tokens at the platform tenant's OAuth endpoints: turning a token response
into stored :class:`Credentials`, refreshing them, and revoking them at logout.

The CLI is the public client ``CLI_CLIENT_ID`` of the platform tenant (issuer
``{url}/t/platform``); refresh tokens rotate, so each refresh returns the one to keep.
"""

from __future__ import annotations

from typing import Any

import httpx

from idgate.control.platform import CLI_CLIENT_ID
from idgate.tenancy.tenants import PLATFORM_SLUG
from idgate_cli import http_transport
from idgate_cli.credentials import Credentials
from idgate_cli.http_transport import CliError, error_message, json_body, parsed_body, send


def issuer_url(base_url: str) -> str:
    """The platform tenant's issuer, under which its OAuth endpoints live."""
    return f"{base_url}/t/{PLATFORM_SLUG}"


def credentials_from(base_url: str, tokens: dict[str, Any], previous: str | None) -> Credentials:
    """Credentials from a token response; ``previous`` is kept when no new refresh token
    came back. The expiry is absolute so a later command knows to refresh first."""
    access = tokens.get("access_token")
    if not isinstance(access, str) or not access:
        raise CliError("the token response has no access token")
    refresh = tokens.get("refresh_token")
    expires_in = tokens.get("expires_in")
    lifetime = float(expires_in) if isinstance(expires_in, int | float) else 0.0
    return Credentials(
        url=base_url,
        access_token=access,
        refresh_token=refresh if isinstance(refresh, str) and refresh else previous,
        expires_at=http_transport.hooks.now() + lifetime,
    )


def session_expired(base_url: str) -> CliError:
    """What to say when the refresh token is gone or spent: only a new login helps."""
    return CliError(f"your session has expired; run `idgate login --url {base_url}`")


def refreshed_credentials(client: httpx.Client, credentials: Credentials) -> Credentials:
    """New credentials from the refresh token (which is spent by this call)."""
    if not credentials.refresh_token:
        raise session_expired(credentials.url)
    response = send(
        client,
        credentials.url,
        "POST",
        f"{issuer_url(credentials.url)}/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": credentials.refresh_token,
            "client_id": CLI_CLIENT_ID,
        },
    )
    if response.status_code != 200:
        body = parsed_body(response)
        if isinstance(body, dict) and body.get("error") == "invalid_grant":
            raise session_expired(credentials.url)
        raise CliError(error_message(response))
    return credentials_from(credentials.url, json_body(response), credentials.refresh_token)


def revoke_refresh_token(client: httpx.Client, credentials: Credentials) -> None:
    """RFC 7009: revoke the refresh token (and with it the token family)."""
    if not credentials.refresh_token:
        return
    response = send(
        client,
        credentials.url,
        "POST",
        f"{issuer_url(credentials.url)}/revoke",
        data={
            "token": credentials.refresh_token,
            "token_type_hint": "refresh_token",
            "client_id": CLI_CLIENT_ID,
        },
    )
    if response.status_code != 200:
        raise CliError(error_message(response))
