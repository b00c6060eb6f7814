"""A small HTTP client for the admin CLI: the device flow against the platform tenant,
token refresh and revocation, and the admin REST API (/api/v1).

Every failure becomes a :class:`CliError` whose message is one line fit for
``error: <message>``: an unreachable server, an OAuth error, or an admin API error body
(``{"error", "message", "error_description"}``). On a 401 the client refreshes the access
token once with the stored refresh token (rotating: the new one is saved at once) and
retries the call.

Tests inject their own ``httpx.Client`` (a FastAPI ``TestClient``) and a fake sleep
through :data:`hooks`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from idgate.control.platform import CLI_CLIENT_ID
from idgate.tenancy.tenants import PLATFORM_SLUG
from idgate_cli import credentials as stored
from idgate_cli.credentials import Credentials

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
LOGIN_SCOPE = "openid offline_access"
EXPIRY_SKEW = 30.0  # refresh this many seconds before the access token expires
NOT_LOGGED_IN = "not logged in; run `idgate login --url URL`"


class CliError(Exception):
    """A failure to report as one line ``error: <message>``."""

    @property
    def message(self) -> str:
        return str(self)


def _default_http() -> httpx.Client:
    return httpx.Client(timeout=30.0, headers={"User-Agent": "idgate-cli"})


@dataclass
class Hooks:
    """Seams for tests: ``http`` returns the client to use (not closed by the CLI when it
    is injected), ``sleep`` waits between device-flow polls, ``now`` is the wall clock."""

    http: Callable[[], httpx.Client] | None = None
    sleep: Callable[[float], None] = field(default=time.sleep)
    now: Callable[[], float] = field(default=time.time)


hooks = Hooks()


@contextmanager
def http_client() -> Iterator[httpx.Client]:
    if hooks.http is not None:
        yield hooks.http()
        return
    with _default_http() as client:
        yield client


def normalize_url(url: str) -> str:
    """The server's base URL without a trailing slash; http(s) only."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CliError(f"--url must be an http:// or https:// URL, not {url!r}")
    return url


def path_segment(value: str) -> str:
    return quote(value, safe="")


def send(
    client: httpx.Client, base_url: str, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    try:
        return client.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise CliError(f"cannot reach {base_url}: the request timed out") from None
    except httpx.HTTPError:
        raise CliError(f"cannot reach {base_url}") from None


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def error_message(response: httpx.Response) -> str:
    """One line from an error response: the API's message, else the OAuth description."""
    body = _body(response)
    if isinstance(body, dict):
        for key in ("message", "error_description", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return " ".join(value.split())
    return f"unexpected response from {response.request.url} (HTTP {response.status_code})"


def _json(response: httpx.Response) -> Any:
    body = _body(response)
    if body is None:
        raise CliError(
            f"unexpected response from {response.request.url} (HTTP {response.status_code})"
        )
    return body


def _issuer(base_url: str) -> str:
    return f"{base_url}/t/{PLATFORM_SLUG}"


def _credentials_from(base_url: str, tokens: dict[str, Any], previous: str | None) -> Credentials:
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
        expires_at=hooks.now() + lifetime,
    )


# --- device flow (RFC 8628) -------------------------------------------------------------


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    interval: float
    expires_in: float


def start_device_login(client: httpx.Client, base_url: str) -> DeviceAuthorization:
    response = send(
        client,
        base_url,
        "POST",
        f"{_issuer(base_url)}/device_authorization",
        data={"client_id": CLI_CLIENT_ID, "scope": LOGIN_SCOPE},
    )
    if response.status_code != 200:
        raise CliError(error_message(response))
    body = _json(response)
    try:
        return DeviceAuthorization(
            device_code=str(body["device_code"]),
            user_code=str(body["user_code"]),
            verification_uri=str(body["verification_uri"]),
            verification_uri_complete=body.get("verification_uri_complete"),
            interval=float(body.get("interval") or 5),
            expires_in=float(body.get("expires_in") or 600),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise CliError("the device authorization response is malformed") from None


def poll_device_token(
    client: httpx.Client, base_url: str, device: DeviceAuthorization
) -> Credentials:
    """Poll the token endpoint until the operator decides, honoring ``interval`` and
    ``slow_down`` (+5 s each time, RFC 8628 §3.5)."""
    interval = device.interval
    deadline = hooks.now() + device.expires_in
    data = {
        "grant_type": DEVICE_GRANT,
        "device_code": device.device_code,
        "client_id": CLI_CLIENT_ID,
    }
    while True:
        hooks.sleep(interval)
        response = send(client, base_url, "POST", f"{_issuer(base_url)}/token", data=data)
        if response.status_code == 200:
            return _credentials_from(base_url, _json(response), None)
        body = _body(response)
        error = body.get("error") if isinstance(body, dict) else None
        if error == "authorization_pending":
            pass
        elif error == "slow_down":
            interval += 5
        elif error == "expired_token":
            raise CliError("the code expired before it was approved; run `idgate login` again")
        elif error == "access_denied":
            raise CliError("the sign-in request was denied")
        else:
            raise CliError(error_message(response))
        if hooks.now() >= deadline:
            raise CliError("the code expired before it was approved; run `idgate login` again")


def revoke_refresh_token(client: httpx.Client, credentials: Credentials) -> None:
    """RFC 7009: revoke the refresh token (and with it the token family)."""
    if not credentials.refresh_token:
        return
    response = send(
        client,
        credentials.url,
        "POST",
        f"{_issuer(credentials.url)}/revoke",
        data={
            "token": credentials.refresh_token,
            "token_type_hint": "refresh_token",
            "client_id": CLI_CLIENT_ID,
        },
    )
    if response.status_code != 200:
        raise CliError(error_message(response))


# --- the admin API ----------------------------------------------------------------------


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
        creds = self.credentials
        if not creds.refresh_token:
            raise CliError(f"your session has expired; run `idgate login --url {creds.url}`")
        response = send(
            self.client,
            creds.url,
            "POST",
            f"{_issuer(creds.url)}/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": creds.refresh_token,
                "client_id": CLI_CLIENT_ID,
            },
        )
        if response.status_code != 200:
            body = _body(response)
            if isinstance(body, dict) and body.get("error") == "invalid_grant":
                raise CliError(f"your session has expired; run `idgate login --url {creds.url}`")
            raise CliError(error_message(response))
        self.credentials = _credentials_from(creds.url, _json(response), creds.refresh_token)
        self._persist(self.credentials)  # the old refresh token is spent: save the new one now

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
        kwargs: dict[str, Any] = {}
        if params:
            kwargs["params"] = {k: v for k, v in params.items() if v is not None}
        if json is not None:
            kwargs["json"] = json
        refreshed = False
        if (
            self.credentials.refresh_token
            and self.credentials.expires_at <= hooks.now() + EXPIRY_SKEW
        ):
            self.refresh()
            refreshed = True
        response = self._send(method, path, **kwargs)
        if response.status_code == 401 and self.credentials.refresh_token and not refreshed:
            self.refresh()
            response = self._send(method, path, **kwargs)
        if response.status_code >= 400:
            raise CliError(error_message(response))
        if response.status_code == 204 or not response.content:
            return None
        return _json(response)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, json: Any = None) -> Any:
        return self.request("POST", path, json=json)

    def put(self, path: str, json: Any = None) -> Any:
        return self.request("PUT", path, json=json)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)


def logged_in_credentials() -> Credentials:
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
