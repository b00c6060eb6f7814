"""The admin REST API (``/api/v1``) as the logged-in operator.

Calls carry the stored access token. One that has expired, or that the server rejects
with a 401, is refreshed once with the stored refresh token and the call retried; refresh
tokens rotate, so the new one is saved at once (the old one is already spent). Every
failure is a :class:`CliError` with the API's own one-line message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import httpx

from idgate_cli import credentials as stored
from idgate_cli import http_transport
from idgate_cli.credentials import Credentials
from idgate_cli.http_transport import CliError, error_message, http_client, json_body, send
from idgate_cli.platform_tokens import refreshed_credentials

EXPIRY_SKEW = 30.0  # refresh this many seconds before the access token expires
NOT_LOGGED_IN = "not logged in; run `idgate login --url URL`"


def path_segment(value: str) -> str:
    """A value quoted to stay one path segment: slugs and ids come from the command line."""
    return quote(value, safe="")


def org_path(org: str, *rest: str) -> str:
    """``/orgs/{org}/...`` with every segment quoted."""
    return "/".join([f"/orgs/{path_segment(org)}", *(path_segment(r) for r in rest)])


class AdminApi:
    """Calls /api/v1 with the stored access token, refreshing it when needed."""

    def __init__(
        self,
        client: httpx.Client,
        credentials: Credentials,
        persist: Callable[[Credentials], object] = stored.save,
    ) -> None:
        self.client = client
        self.credentials = credentials
        self._persist = persist

    def refresh(self) -> None:
        """Swap the tokens for fresh ones and store them before anything else happens."""
        self.credentials = refreshed_credentials(self.client, self.credentials)
        self._persist(self.credentials)  # the old refresh token is spent: save the new one now

    def _expiring(self) -> bool:
        """Refresh ahead of the expiry rather than spend a request on a certain 401."""
        creds = self.credentials
        return bool(creds.refresh_token) and (
            creds.expires_at <= http_transport.hooks.now() + EXPIRY_SKEW
        )

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        creds = self.credentials
        return send(
            self.client,
            creds.url,
            method,
            f"{creds.url}/api/v1{path}",
            headers={"Authorization": f"Bearer {creds.access_token}"},
            **kwargs,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Any:
        """The JSON answer (None for an empty one); None-valued params are left out so
        an option not given on the command line is not sent."""
        kwargs: dict[str, Any] = {}
        if params:
            kwargs["params"] = {k: v for k, v in params.items() if v is not None}
        if json is not None:
            kwargs["json"] = json
        refreshed = self._expiring()
        if refreshed:
            self.refresh()
        response = self._send(method, path, **kwargs)
        if response.status_code == 401 and self.credentials.refresh_token and not refreshed:
            self.refresh()
            response = self._send(method, path, **kwargs)
        if response.status_code >= 400:
            raise CliError(error_message(response))
        if response.status_code == 204 or not response.content:
            return None
        return json_body(response)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, json: Any = None) -> Any:
        return self.request("POST", path, json=json)

    def put(self, path: str, json: Any = None) -> Any:
        return self.request("PUT", path, json=json)

    def patch(self, path: str, json: Any = None) -> Any:
        return self.request("PATCH", path, json=json)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)


def logged_in_credentials() -> Credentials:
    """The stored credentials; a CliError when there are none or they cannot be read."""
    try:
        credentials = stored.load()
    except stored.CredentialsError as exc:
        raise CliError(str(exc)) from None
    if credentials is None:
        raise CliError(NOT_LOGGED_IN)
    return credentials


@contextmanager
def admin_api() -> Iterator[AdminApi]:
    """The admin API as the logged-in operator; CliError when not logged in."""
    credentials = logged_in_credentials()
    with http_client() as client:
        yield AdminApi(client, credentials)
