"""Client authentication at the token, introspection, revocation and device endpoints
(RFC 6749 §2.3, OIDC Core §9): client_secret_basic, client_secret_post, and none for
public clients. A client uses exactly one method per request (RFC 6749 §2.3)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from urllib.parse import unquote

from idgate.crypto.digests import secret_matches
from idgate.kernel.errors import InvalidClient, InvalidRequest
from idgate.kernel.runtime import Runtime
from idgate.keys.data_keys import client_secret_pepper
from idgate.oauth.clients import Client, find_client
from idgate.tenancy.tenants import Tenant

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")


class BasicAuthFailed(InvalidClient):
    """invalid_client on a request that used HTTP Basic: answered with WWW-Authenticate
    (RFC 6749 §5.2)."""

    def challenge(self) -> str | None:
        return 'Basic realm="idgate"'


def _basic_credentials(authorization: str) -> tuple[str, str]:
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic" or not value:
        raise InvalidRequest("unsupported Authorization scheme")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise BasicAuthFailed("malformed Basic credentials") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise BasicAuthFailed("malformed Basic credentials")
    # RFC 6749 §2.3.1: both halves are form-urlencoded before Base64.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


def authenticate_client(
    rt: Runtime, tenant: Tenant, *, authorization: str | None, form: Mapping[str, str]
) -> Client:
    form_id = form.get("client_id")
    form_secret = form.get("client_secret")
    if authorization:
        if form_secret:
            raise InvalidRequest("use one client authentication method, not two")
        client_id, secret = _basic_credentials(authorization)
        if form_id and form_id != client_id:
            raise InvalidRequest("client_id does not match the Authorization header")
        return _check_secret(rt, tenant, client_id, secret, failure=BasicAuthFailed)
    if not form_id:
        raise InvalidClient("client authentication is required")
    if form_secret is not None:
        return _check_secret(rt, tenant, form_id, form_secret, failure=InvalidClient)
    client = find_client(rt, tenant.id, form_id)
    if client is None or client.is_confidential:
        raise InvalidClient("client authentication failed")
    return client


def _check_secret(
    rt: Runtime, tenant: Tenant, client_id: str, secret: str, *, failure: type[InvalidClient]
) -> Client:
    client = find_client(rt, tenant.id, client_id)
    pepper = client_secret_pepper(rt, tenant.id)
    # Compare even for an unknown client so timing does not reveal which ids exist.
    digest = client.secret_digest if client and client.secret_digest else "0" * 64
    if not secret_matches(secret, digest, pepper) or client is None or not client.is_confidential:
        raise failure("client authentication failed")
    return client
