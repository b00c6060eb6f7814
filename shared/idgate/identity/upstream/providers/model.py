"""What an upstream provider type is, and what it answers: endpoints for the authorization
code flow, and the account behind a token response."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from idgate.identity.upstream.connection_model import UpstreamConnection
from idgate.kernel.runtime import Runtime


@dataclass(frozen=True)
class Endpoints:
    authorization_endpoint: str
    token_endpoint: str
    # RFC 8414 §2: absent means client_secret_basic.
    token_auth_methods: tuple[str, ...] = ("client_secret_basic",)


@dataclass(frozen=True)
class UpstreamTokens:
    access_token: str
    refresh_token: str | None
    expires_at: float | None
    scope: str | None
    id_token: str | None


@dataclass(frozen=True)
class UpstreamProfile:
    subject: str
    email: str | None
    email_verified: bool
    name: str | None


@dataclass(frozen=True)
class UpstreamProvider:
    name: str
    display_name: str
    openid: bool  # sends a nonce and validates an ID token
    issuer_required: bool  # --issuer must be given (the generic OpenID provider)
    default_scopes: tuple[str, ...]
    endpoints: Callable[[Runtime, UpstreamConnection], Endpoints]
    profile: Callable[[Runtime, UpstreamConnection, UpstreamTokens, str], UpstreamProfile]
    extra_authorization_params: dict[str, str] = field(default_factory=dict)
