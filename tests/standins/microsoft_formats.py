"""The Microsoft identity platform's (Entra ID, v2.0 endpoints) own wire formats, as
login.microsoftonline.com and graph.microsoft.com send them:

- the OpenID configuration of ``/{tenant}/v2.0/.well-known/openid-configuration`` ("OpenID
  Connect on the Microsoft identity platform", "Find your app's OpenID configuration
  document URI"): ``common`` and ``organizations`` publish the issuer with the literal
  ``{tenantid}`` placeholder; ``consumers`` publishes the fixed issuer of the personal
  accounts' tenant ``9188040d-6c67-4c5b-b112-36a304b66dad`` (what the real document says);
  a tenant ID publishes its own issuer;
- the JWKS of ``/{tenant}/discovery/v2.0/keys`` (``kty``, ``use``, ``kid``, ``x5t``, ``n``,
  ``e``, ``issuer``; without the ``x5c`` certificate chain);
- ID token claims of the v2.0 format ("ID token claims reference"): ``ver`` "2.0", ``iss``
  ``https://login.microsoftonline.com/{tid}/v2.0``, a pairwise ``sub`` per application,
  ``oid``, ``tid``, ``preferred_username``, ``email``, ``name``, ``nonce``, ``aio``, ``rh``,
  ``uti``;
- error answers of the token endpoint ("Microsoft Entra authentication and authorization
  error codes"): JSON with ``error``, ``error_description`` (``AADSTS<code>: <message>``,
  then the trace ID, correlation ID and timestamp on CRLF-separated lines),
  ``error_codes``, ``timestamp``, ``trace_id``, ``correlation_id``, ``error_uri``; HTTP
  400, or 401 for ``invalid_client``;
- Microsoft Graph's OIDC UserInfo answer and its 401 ``InvalidAuthenticationToken`` body.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.responses import HTMLResponse, JSONResponse

CONSUMERS_TID = "9188040d-6c67-4c5b-b112-36a304b66dad"  # the personal accounts' tenant
MULTI_TENANT = ("common", "organizations", "consumers")
AUTH_METHODS = ("client_secret_post", "private_key_jwt", "client_secret_basic")
GRAPH_USER_READ = "https://graph.microsoft.com/User.Read"
ID_TOKEN_TTL = 3600
ACCESS_TOKEN_TTL = 3599  # what Microsoft sends as expires_in


@dataclass(frozen=True)
class MicrosoftAccount:
    """A work or school account (``tid`` its organization's tenant ID) or a personal one
    (``tid`` = ``CONSUMERS_TID``). ``email`` None: the account has no email claim."""

    oid: str
    tid: str
    name: str
    preferred_username: str
    email: str | None


def organization_account(tid: str, username: str, name: str) -> MicrosoftAccount:
    return MicrosoftAccount(str(uuid.uuid4()), tid, name, username, username)


def personal_account(email: str, name: str) -> MicrosoftAccount:
    # A personal account's oid is the fixed "00000000-0000-0000-" prefix and its PUID.
    oid = f"00000000-0000-0000-{secrets.token_hex(2)}-{secrets.token_hex(6)}"
    return MicrosoftAccount(oid, CONSUMERS_TID, name, email, email)


def pairwise_sub(account: MicrosoftAccount, client_id: str) -> str:
    """v2.0 ``sub``: unique per user and application (43 base64url characters)."""
    digest = hashlib.sha256(f"{account.oid}|{client_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:43]


# --- keys -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    def jwk(self, issuer: str) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,  # Microsoft's kid is the certificate's thumbprint
            "n": public["n"],
            "e": public["e"],
            "issuer": issuer,
        }


@functools.cache
def signing_key() -> SigningKey:
    """One RSA key per test process (generating one per test would slow the suite)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    kid = base64.urlsafe_b64encode(secrets.token_bytes(20)).decode().rstrip("=")
    return SigningKey(kid, private)


def sign_id_token(claims: dict[str, Any]) -> str:
    key = signing_key()
    return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid})


# --- documents --------------------------------------------------------------------------


def published_issuer(base: str, tenant: str) -> str:
    if tenant == "consumers":
        return f"{base}/{CONSUMERS_TID}/v2.0"
    if tenant in MULTI_TENANT:
        return f"{base}/{{tenantid}}/v2.0"
    return f"{base}/{tenant}/v2.0"


def openid_configuration(
    base: str, tenant: str, auth_methods: tuple[str, ...] = AUTH_METHODS
) -> dict[str, Any]:
    endpoints = f"{base}/{tenant}/oauth2/v2.0"
    return {
        "token_endpoint": f"{endpoints}/token",
        "token_endpoint_auth_methods_supported": list(auth_methods),
        "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": published_issuer(base, tenant),
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{base}/oidc/userinfo",
        "authorization_endpoint": f"{endpoints}/authorize",
        "device_authorization_endpoint": f"{endpoints}/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{endpoints}/logout",
        "claims_supported": [
            "sub",
            "iss",
            "cloud_instance_name",
            "cloud_instance_host_name",
            "cloud_graph_host_name",
            "msgraph_host",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "acr",
            "nonce",
            "preferred_username",
            "name",
            "tid",
            "ver",
            "at_hash",
            "c_hash",
            "email",
        ],  # fmt: skip
        "kerberos_endpoint": f"{base}/{tenant}/kerberos",
        "tenant_region_scope": None if tenant in MULTI_TENANT else "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


def id_token_claims(
    base: str,
    account: MicrosoftAccount,
    client_id: str,
    nonce: str | None,
    issuer_tid: str | None = None,
) -> dict[str, Any]:
    """``issuer_tid`` puts another tenant in ``iss`` than the account's ``tid``."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "ver": "2.0",
        "iss": f"{base}/{issuer_tid or account.tid}/v2.0",
        "sub": pairwise_sub(account, client_id),
        "aud": client_id,
        "exp": now + ID_TOKEN_TTL,
        "iat": now,
        "nbf": now,
        "name": account.name,
        "preferred_username": account.preferred_username,
        "oid": account.oid,
        "tid": account.tid,
        "aio": secrets.token_urlsafe(48),
        "rh": f"0.{secrets.token_urlsafe(40)}.",
        "uti": secrets.token_urlsafe(16),
    }
    if account.email is not None:
        claims["email"] = account.email
    if nonce is not None:
        claims["nonce"] = nonce
    return claims


def userinfo(account: MicrosoftAccount, client_id: str) -> dict[str, Any]:
    """Graph's ``/oidc/userinfo``: the same pairwise ``sub`` as the ID token."""
    given, _, family = account.name.partition(" ")
    body: dict[str, Any] = {
        "sub": pairwise_sub(account, client_id),
        "name": account.name,
        "family_name": family,
        "given_name": given,
        "picture": "https://graph.microsoft.com/v1.0/me/photo/$value",
    }
    if account.email is not None:
        body["email"] = account.email
    return body


def opaque_token(prefix: str, length: int = 900) -> str:
    """Microsoft's access tokens for Graph and its refresh tokens are opaque to clients."""
    return prefix + secrets.token_urlsafe(length * 3 // 4)[:length]


def authorization_code() -> str:
    return f"0.A{secrets.token_urlsafe(200)}"


# --- errors -----------------------------------------------------------------------------

# AADSTS code -> (error, message).
ERRORS: dict[int, tuple[str, str]] = {
    700016: (
        "unauthorized_client",
        "Application with identifier '{client_id}' was not found in the directory "
        "'{tenant}'. This can happen if the application has not been installed by the "
        "administrator of the tenant or consented to by any user in the tenant. You may have "
        "sent your authentication request to the wrong tenant.",
    ),
    7000215: (
        "invalid_client",
        "Invalid client secret provided. Ensure the secret being sent in the request is the "
        "client secret value, not the client secret ID, for a secret added to app "
        "'{client_id}'.",
    ),
    7000218: (
        "invalid_client",
        "The request body must contain the following parameter: 'client_assertion' or "
        "'client_secret'.",
    ),
    90002: (
        "invalid_tenant",
        "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and "
        "are signing into the correct cloud.",
    ),
    70005: (
        "unsupported_response_type",
        "response_type '{response_type}' is not enabled for the application.",
    ),
    70003: ("unsupported_grant_type", "The app requested an unsupported grant type '{grant}'."),
    900144: (
        "invalid_request",
        "The request body must contain the following parameter: '{parameter}'.",
    ),
    70000: ("invalid_grant", "The provided value for the '{parameter}' parameter is not valid."),
    54005: (
        "invalid_grant",
        "OAuth2 Authorization code was already redeemed, please retry with a new valid code "
        "or use an existing refresh token.",
    ),
    70008: (
        "invalid_grant",
        "The provided authorization code or refresh token has expired due to inactivity. "
        "Send a new interactive authorization request for this user and resource.",
    ),
    50011: (
        "invalid_request",
        "The redirect URI '{redirect_uri}' specified in the request does not match the "
        "redirect URIs configured for the application '{client_id}'. Make sure the redirect "
        "URI sent in the request matches one added to your application in the Azure portal.",
    ),
    501481: (
        "invalid_grant",
        "The Code_Verifier does not match the code_challenge supplied in the authorization "
        "request.",
    ),
    65004: ("access_denied", "User declined to consent to access the app."),
}


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def error_body(base: str, code: int, **fields: str) -> dict[str, Any]:
    error, template = ERRORS[code]
    trace, correlation, timestamp = str(uuid.uuid4()), str(uuid.uuid4()), _stamp()
    description = (
        f"AADSTS{code}: {template.format(**fields)}\r\nTrace ID: {trace}\r\n"
        f"Correlation ID: {correlation}\r\nTimestamp: {timestamp}"
    )
    return {
        "error": error,
        "error_description": description,
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": f"{base}/error?code={code}",
    }


def error_response(base: str, code: int, **fields: str) -> JSONResponse:
    body = error_body(base, code, **fields)
    status = 401 if body["error"] == "invalid_client" else 400
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def error_page(base: str, code: int, **fields: str) -> HTMLResponse:
    """What the authorize endpoint shows when it must not redirect (unknown app, wrong
    redirect URI): "Sign in — Sorry, but we're having trouble signing you in."."""
    body = error_body(base, code, **fields)
    return HTMLResponse(
        "<!DOCTYPE html><html><head><title>Sign in to your account</title></head><body>"
        "<h1>Sorry, but we’re having trouble signing you in.</h1>"
        f"<p>{escape(body['error_description'])}</p></body></html>",
        status_code=400,
    )


def graph_unauthorized() -> JSONResponse:
    body = {
        "error": {
            "code": "InvalidAuthenticationToken",
            "message": "Access token validation failure. Invalid audience.",
            "innerError": {"date": _stamp(), "request-id": str(uuid.uuid4())},
        }
    }
    return JSONResponse(
        body,
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'},
    )
