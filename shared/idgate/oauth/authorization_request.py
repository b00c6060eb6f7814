"""Validation of the authorization request (RFC 6749 §4.1.1, §3.1.2; RFC 7636 §4.3;
OIDC Core §3.1.2.1-3.1.2.2), as an ordered list of named checks.

The client and the redirect URI are checked first: until both are known good, an error is
shown to the user and never redirected (RFC 6749 §4.1.2.1, RFC 9700 §4.1). Every later
error is delivered to the verified redirect URI with the request's ``state``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from idgate.kernel.errors import (
    AuthorizationRequestRejected,
    InvalidRequest,
    InvalidScope,
    OAuthError,
    RedirectError,
    RequestNotSupported,
    RequestUriNotSupported,
    UnauthorizedClient,
    UnsupportedResponseType,
)
from idgate.kernel.runtime import Runtime
from idgate.oauth.client_model import Client
from idgate.oauth.clients import find_client
from idgate.oauth.pkce import check_code_challenge
from idgate.oauth.scopes import SUPPORTED_SCOPES
from idgate.tenancy.tenants import Tenant

PROMPT_VALUES = frozenset({"none", "login", "consent"})
# OIDC Core §3.1.2.1: max_age is a non-negative integer number of seconds. ASCII digits only
# (str.isdigit also accepts "²" and other scripts' digits), and at most about 68 years.
MAX_AGE_PATTERN = re.compile(r"[0-9]{1,10}")
MAX_AGE_LIMIT = 2**31 - 1


@dataclass(frozen=True)
class AuthorizationRequest:
    client: Client
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str
    prompt: frozenset[str]
    max_age: int | None
    login_hint: str | None
    params: dict[str, str]


def check_client(rt: Runtime, tenant: Tenant, params: Mapping[str, str]) -> Client:
    client_id = params.get("client_id")
    client = find_client(rt, tenant.id, client_id) if client_id else None
    if client is None:
        raise AuthorizationRequestRejected("The application is unknown.")
    return client


def check_redirect_uri(client: Client, params: Mapping[str, str]) -> str:
    redirect_uri = params.get("redirect_uri")
    # OIDC Core §3.1.2.1 makes redirect_uri required; exact string match, no normalization.
    if not redirect_uri or redirect_uri not in client.redirect_uris:
        raise AuthorizationRequestRejected(
            "The redirect URI is not registered for this application."
        )
    return redirect_uri


def check_request_object(params: Mapping[str, str]) -> None:
    if "request" in params:
        raise RequestNotSupported("request objects are not supported")
    if "request_uri" in params:
        raise RequestUriNotSupported("request_uri is not supported")


def check_response_type(client: Client, params: Mapping[str, str]) -> None:
    response_type = params.get("response_type")
    if not response_type:
        raise InvalidRequest("response_type is required")
    if response_type != "code":
        raise UnsupportedResponseType("only response_type=code is supported")
    if not client.allows_grant("authorization_code"):
        raise UnauthorizedClient("this client may not use the authorization code flow")
    if params.get("response_mode", "query") != "query":
        raise InvalidRequest("only response_mode=query is supported")


def check_scope(client: Client, params: Mapping[str, str]) -> str:
    requested = params.get("scope", "").split()
    if not requested:
        raise InvalidScope("scope is required")
    unknown = [s for s in requested if s not in SUPPORTED_SCOPES or s not in client.scopes]
    if unknown:
        raise InvalidScope(f"scope not allowed: {' '.join(unknown)}")
    return " ".join(dict.fromkeys(requested))


def check_prompt(params: Mapping[str, str]) -> frozenset[str]:
    prompt = frozenset(params.get("prompt", "").split())
    if not prompt <= PROMPT_VALUES:
        raise InvalidRequest("prompt must be none, login or consent")
    if "none" in prompt and len(prompt) > 1:
        raise InvalidRequest("prompt=none cannot be combined with other values")
    return prompt


def check_max_age(params: Mapping[str, str]) -> int | None:
    raw = params.get("max_age")
    if raw is None or raw == "":
        return None
    if not MAX_AGE_PATTERN.fullmatch(raw) or int(raw) > MAX_AGE_LIMIT:
        raise InvalidRequest(f"max_age must be an integer from 0 to {MAX_AGE_LIMIT} seconds")
    return int(raw)


def check_not_repeated(repeated: frozenset[str]) -> None:
    # RFC 6749 §3.1: parameters MUST NOT be included more than once.
    if repeated:
        raise InvalidRequest(f"parameter repeated: {', '.join(sorted(repeated))}")


def parse_authorization_request(
    rt: Runtime, tenant: Tenant, params: Mapping[str, str], repeated: frozenset[str] = frozenset()
) -> AuthorizationRequest:
    if repeated & {"client_id", "redirect_uri"}:
        raise AuthorizationRequestRejected("client_id and redirect_uri may appear only once.")
    client = check_client(rt, tenant, params)
    redirect_uri = check_redirect_uri(client, params)
    state = params.get("state")
    try:
        check_not_repeated(repeated)
        check_request_object(params)
        check_response_type(client, params)
        scope = check_scope(client, params)
        challenge = check_code_challenge(
            params.get("code_challenge"), params.get("code_challenge_method")
        )
        prompt = check_prompt(params)
        max_age = check_max_age(params)
    except OAuthError as exc:
        raise RedirectError(exc, redirect_uri, state) from None
    return AuthorizationRequest(
        client=client,
        redirect_uri=redirect_uri,
        scope=scope,
        state=state,
        nonce=params.get("nonce"),
        code_challenge=challenge,
        prompt=prompt,
        max_age=max_age,
        login_hint=params.get("login_hint"),
        params=dict(params),
    )
