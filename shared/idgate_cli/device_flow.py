"""``idgate login``'s side of the OAuth device flow (RFC 8628) against the platform tenant.

A terminal has no browser to redirect, so the CLI asks for a user code, the operator
approves it on the verification page, and the CLI polls the token endpoint until they
decide. Waits go through ``http_transport.hooks.sleep`` so tests approve without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from idgate.control.platform import CLI_CLIENT_ID
from idgate_cli import http_transport
from idgate_cli.credentials import Credentials
from idgate_cli.http_transport import CliError, error_message, json_body, parsed_body, send
from idgate_cli.platform_tokens import credentials_from, issuer_url

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
LOGIN_SCOPE = "openid offline_access"
CODE_EXPIRED = "the code expired before it was approved; run `idgate login` again"


@dataclass(frozen=True)
class DeviceAuthorization:
    """The device authorization response (RFC 8628 §3.2): what to show, how to poll."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    interval: float
    expires_in: float


def start_device_login(client: httpx.Client, base_url: str) -> DeviceAuthorization:
    """Ask for a user code to show the operator (and a device code to poll with)."""
    response = send(
        client,
        base_url,
        "POST",
        f"{issuer_url(base_url)}/device_authorization",
        data={"client_id": CLI_CLIENT_ID, "scope": LOGIN_SCOPE},
    )
    if response.status_code != 200:
        raise CliError(error_message(response))
    body = json_body(response)
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


def _next_interval(response: httpx.Response, interval: float) -> float:
    """The interval to wait before the next poll while the operator has not decided;
    a CliError when the answer is final (expired, denied, or another error)."""
    body = parsed_body(response)
    error = body.get("error") if isinstance(body, dict) else None
    if error == "authorization_pending":
        return interval
    if error == "slow_down":
        return interval + 5
    if error == "expired_token":
        raise CliError(CODE_EXPIRED)
    if error == "access_denied":
        raise CliError("the sign-in request was denied")
    raise CliError(error_message(response))


def poll_device_token(
    client: httpx.Client, base_url: str, device: DeviceAuthorization
) -> Credentials:
    """Poll the token endpoint until the operator decides, honoring ``interval`` and
    ``slow_down`` (+5 s each time, RFC 8628 §3.5)."""
    interval = device.interval
    deadline = http_transport.hooks.now() + device.expires_in
    data = {
        "grant_type": DEVICE_GRANT,
        "device_code": device.device_code,
        "client_id": CLI_CLIENT_ID,
    }
    while True:
        http_transport.hooks.sleep(interval)
        response = send(client, base_url, "POST", f"{issuer_url(base_url)}/token", data=data)
        if response.status_code == 200:
            return credentials_from(base_url, json_body(response), None)
        interval = _next_interval(response, interval)
        if http_transport.hooks.now() >= deadline:
            raise CliError(CODE_EXPIRED)
