"""Client authentication at the token, introspection, revocation and device endpoints
(RFC 6749 §2.3, OIDC Core §9), as a registry of methods: client_secret_basic,
client_secret_post, and none for public clients.

Each method says whether the request presents it and how to authenticate with it. A client
uses exactly one method per request (RFC 6749 §2.3): ``authenticate_client`` finds the one
presented and dispatches to it. Discovery lists the methods from the same registry.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from idgate.crypto.digests import secret_matches
from idgate.kernel.errors import InvalidClient, InvalidRequest
from idgate.kernel.runtime import Runtime
from idgate.keys.data_keys import client_secret_pepper
from idgate.oauth.client_model import Client
from idgate.oauth.clients import find_client
from idgate.tenancy.tenants import Tenant

Presented = Callable[[str | None, Mapping[str, str]], bool]
Authenticate = Callable[[Runtime, Tenant, str | None, Mapping[str, str]], Client]


@dataclass(frozen=True)
class AuthMethod:
    """A ``token_endpoint_auth_method`` (OIDC Registration §2, RFC 8414 §2).

    ``presented`` reads the request's Authorization header and body; ``authenticate`` gets
    the same and answers the client or raises ``InvalidClient``. ``confidential`` says the
    method proves a secret, so it authenticates a confidential client (RFC 6749 §2.1).
    """

    name: str
    confidential: bool
    presented: Presented
    authenticate: Authenticate


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
    # ValueError covers all three ways the bytes can be wrong: non-ASCII characters (the
    # edge decodes header bytes as latin-1, so raw bytes arrive as such; b64decode raises
    # a bare ValueError for them), bad Base64 (binascii.Error) and non-UTF-8 credentials
    # (UnicodeDecodeError). Every endpoint authenticating a client comes through here.
    except ValueError as exc:
        raise BasicAuthFailed("malformed Basic credentials") from exc
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise BasicAuthFailed("malformed Basic credentials")
    # RFC 6749 §2.3.1: both halves are form-urlencoded before Base64.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


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


def _form_client_id(form: Mapping[str, str]) -> str:
    client_id = form.get("client_id")
    if not client_id:
        raise InvalidClient("client authentication is required")
    return client_id


def _basic_presented(authorization: str | None, form: Mapping[str, str]) -> bool:
    return bool(authorization)


def _basic_authenticate(
    rt: Runtime, tenant: Tenant, authorization: str | None, form: Mapping[str, str]
) -> Client:
    """RFC 6749 §2.3.1: the client id and secret as HTTP Basic credentials."""
    client_id, secret = _basic_credentials(authorization or "")
    form_id = form.get("client_id")
    if form_id and form_id != client_id:
        raise InvalidRequest("client_id does not match the Authorization header")
    return _check_secret(rt, tenant, client_id, secret, failure=BasicAuthFailed)


def _post_presented(authorization: str | None, form: Mapping[str, str]) -> bool:
    # An empty client_secret is no credential: beside Basic it is ignored, alone it is a
    # public client presenting a secret, which ``none`` refuses.
    return bool(form.get("client_secret"))


def _post_authenticate(
    rt: Runtime, tenant: Tenant, authorization: str | None, form: Mapping[str, str]
) -> Client:
    """RFC 6749 §2.3.1: ``client_id`` and ``client_secret`` in the request body."""
    client_id = _form_client_id(form)
    return _check_secret(rt, tenant, client_id, form["client_secret"], failure=InvalidClient)


def _none_presented(authorization: str | None, form: Mapping[str, str]) -> bool:
    return not authorization and not form.get("client_secret")


def _none_authenticate(
    rt: Runtime, tenant: Tenant, authorization: str | None, form: Mapping[str, str]
) -> Client:
    """OIDC Core §9 ``none``: a public client identified by ``client_id`` alone (RFC 6749
    §3.2.1); a confidential client's id is no credential, and a public client has no
    secret, so any ``client_secret`` it presents is wrong."""
    client_id = _form_client_id(form)
    client = find_client(rt, tenant.id, client_id)
    if client is None or client.is_confidential or "client_secret" in form:
        raise InvalidClient("client authentication failed")
    return client


# In this order in discovery's *_auth_methods_supported.
AUTH_METHODS: tuple[AuthMethod, ...] = (
    AuthMethod(
        name="client_secret_basic",
        confidential=True,
        presented=_basic_presented,
        authenticate=_basic_authenticate,
    ),
    AuthMethod(
        name="client_secret_post",
        confidential=True,
        presented=_post_presented,
        authenticate=_post_authenticate,
    ),
    AuthMethod(
        name="none",
        confidential=False,
        presented=_none_presented,
        authenticate=_none_authenticate,
    ),
)


def authenticate_client(
    rt: Runtime, tenant: Tenant, *, authorization: str | None, form: Mapping[str, str]
) -> Client:
    """The client the request authenticates, by the one method it presents (RFC 6749
    §2.3); ``invalid_client`` (401, RFC 6749 §5.2) when that fails."""
    used: AuthMethod | None = None
    for method in AUTH_METHODS:
        if method.presented(authorization, form):
            if used is not None:
                # RFC 6749 §2.3: MUST NOT use more than one; §5.2: that is invalid_request.
                raise InvalidRequest("use one client authentication method, not two")
            used = method
    if used is None:
        raise InvalidClient("client authentication is required")
    return used.authenticate(rt, tenant, authorization, form)
