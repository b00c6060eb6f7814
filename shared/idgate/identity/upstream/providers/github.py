"""GitHub OAuth apps (and GitHub App user tokens): OAuth 2.0 without OpenID Connect, so the
account comes from GitHub's REST API, ``GET /user`` for the id, login and name and
``GET /user/emails`` for the email, taking only the primary address and only when GitHub
says it is verified. ``IDGATE_GITHUB_URL`` and ``IDGATE_GITHUB_API_URL`` point it at a
stand-in outside production (tests, local trials)."""

from __future__ import annotations

import os

from idgate.identity.upstream.connection_model import UpstreamConnection
from idgate.identity.upstream.providers.model import (
    Endpoints,
    UpstreamProfile,
    UpstreamProvider,
    UpstreamTokens,
)
from idgate.identity.upstream.upstream_http import UpstreamFailed, get_json
from idgate.kernel.runtime import Runtime

GITHUB_URL = "https://github.com"
GITHUB_API_URL = "https://api.github.com"


def _base(rt: Runtime, variable: str, default: str) -> str:
    if rt.settings.env == "production":
        return default
    return os.environ.get(variable, default).rstrip("/")


def endpoints(rt: Runtime, connection: UpstreamConnection) -> Endpoints:
    web = _base(rt, "IDGATE_GITHUB_URL", GITHUB_URL)
    return Endpoints(
        authorization_endpoint=f"{web}/login/oauth/authorize",
        token_endpoint=f"{web}/login/oauth/access_token",
        token_auth_methods=("client_secret_post",),
    )


def profile(
    rt: Runtime, connection: UpstreamConnection, tokens: UpstreamTokens, nonce: str
) -> UpstreamProfile:
    api = _base(rt, "IDGATE_GITHUB_API_URL", GITHUB_API_URL)
    user = get_json(rt, f"{api}/user", what=connection.name, token=tokens.access_token)
    if not isinstance(user, dict) or not isinstance(user.get("id"), int):
        raise UpstreamFailed(f"{connection.name} described no account.")
    emails = get_json(rt, f"{api}/user/emails", what=connection.name, token=tokens.access_token)
    listed = emails if isinstance(emails, list) else []
    primary = next(
        (e for e in listed if isinstance(e, dict) and e.get("primary") and e.get("verified")),
        None,
    )
    name = user.get("name") or user.get("login")
    return UpstreamProfile(
        subject=str(user["id"]),  # the login can be renamed; the numeric id cannot
        email=str(primary["email"]) if primary and primary.get("email") else None,
        email_verified=primary is not None,
        name=name if isinstance(name, str) else None,
    )


PROVIDER = UpstreamProvider(
    name="github",
    display_name="GitHub",
    openid=False,
    issuer_required=False,
    default_scopes=("read:user", "user:email"),
    endpoints=endpoints,
    profile=profile,
)
