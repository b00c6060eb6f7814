"""OpenID Connect upstreams: any provider by its issuer (OIDC Discovery 1.0 §4, the document
cached per process), and the Google and Microsoft presets.

The account comes from the validated ID token, completed from the UserInfo endpoint when
the token lacks the email (OIDC Core §5.3.2: UserInfo's ``sub`` must be the token's).
Microsoft's multi-tenant endpoints (``common``, ``organizations``) publish the issuer
``https://login.microsoftonline.com/{tenantid}/v2.0``: the token's ``iss`` must be that with
its own ``tid``, and ``tid`` must belong to the configured audience. A one-tenant issuer (a
tenant ID's, or the personal accounts' tenant that ``consumers`` publishes) must be the
token's ``iss`` and name its ``tid``. Microsoft never asserts that an email is verified, so
its emails never match an existing customer (the "nOAuth" account takeover).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from idgate.identity.upstream.connection_model import UpstreamConnection
from idgate.identity.upstream.id_tokens import validate_id_token
from idgate.identity.upstream.providers.model import (
    Endpoints,
    UpstreamProfile,
    UpstreamProvider,
    UpstreamTokens,
)
from idgate.identity.upstream.upstream_http import UpstreamFailed, get_json
from idgate.kernel.runtime import Runtime

GOOGLE_ISSUER = "https://accounts.google.com"
MICROSOFT_LOGIN = "https://login.microsoftonline.com"
MICROSOFT_CONSUMERS_TID = "9188040d-6c67-4c5b-b112-36a304b66dad"
OPENID_SCOPES = ("openid", "email", "profile")


def issuer_of(connection: UpstreamConnection) -> str:
    if connection.issuer:
        return str(connection.issuer)
    if connection.provider == "google":
        return GOOGLE_ISSUER
    if connection.provider == "microsoft":
        return f"{MICROSOFT_LOGIN}/{connection.microsoft_tenant or 'common'}/v2.0"
    raise UpstreamFailed("this connection has no issuer")


def discovery(rt: Runtime, connection: UpstreamConnection) -> dict[str, Any]:
    issuer = issuer_of(connection)

    def load() -> dict[str, Any]:
        url = f"{issuer}/.well-known/openid-configuration"
        document = get_json(rt, url, what=connection.name)
        needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        if not isinstance(document, dict) or not all(
            isinstance(document.get(k), str) for k in needed
        ):
            raise UpstreamFailed(f"{connection.name} publishes no usable OpenID configuration.")
        if connection.provider != "microsoft" and document["issuer"].rstrip("/") != issuer:
            # OIDC Discovery §4.3: the document must name the issuer it was fetched for.
            raise UpstreamFailed(f"{connection.name}'s OpenID configuration names another issuer.")
        return document

    return rt.cache.get_or_load(("upstream_discovery", issuer), load)


def endpoints(rt: Runtime, connection: UpstreamConnection) -> Endpoints:
    document = discovery(rt, connection)
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return Endpoints(
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        token_auth_methods=tuple(m for m in methods if isinstance(m, str)),
    )


def _issuer_rule(rt: Runtime, connection: UpstreamConnection) -> Callable[[dict[str, Any]], bool]:
    published = str(discovery(rt, connection)["issuer"])
    if connection.provider != "microsoft":
        return lambda claims: claims.get("iss") == published
    audience = connection.microsoft_tenant or "common"

    def microsoft_issuer(claims: dict[str, Any]) -> bool:
        tid, iss = claims.get("tid"), claims.get("iss")
        if not isinstance(tid, str) or iss != published.replace("{tenantid}", tid):
            return False
        if not iss.endswith(f"/{tid}/v2.0"):
            return False  # a one-tenant issuer (no placeholder) names another tenant's tid
        if audience == "consumers":
            return tid == MICROSOFT_CONSUMERS_TID
        if audience == "organizations":
            return tid != MICROSOFT_CONSUMERS_TID
        return True  # common, or one tenant: its issuer, now its tid, pinned above

    return microsoft_issuer


def profile(
    rt: Runtime, connection: UpstreamConnection, tokens: UpstreamTokens, nonce: str
) -> UpstreamProfile:
    if not tokens.id_token:
        raise UpstreamFailed(f"{connection.name} sent no ID token.")
    claims = validate_id_token(
        rt,
        tokens.id_token,
        jwks_uri=discovery(rt, connection)["jwks_uri"],
        client_id=connection.client_id,
        nonce=nonce,
        issuer_matches=_issuer_rule(rt, connection),
        what=connection.name,
    )
    if "email" not in claims:
        claims = {**_userinfo(rt, connection, tokens.access_token, claims["sub"]), **claims}
    email = claims.get("email")
    verified = claims.get("email_verified") is True and connection.provider != "microsoft"
    name = claims.get("name")
    return UpstreamProfile(
        subject=str(claims["sub"]),
        email=email if isinstance(email, str) and email else None,
        email_verified=verified,
        name=name if isinstance(name, str) else None,
    )


def _userinfo(
    rt: Runtime, connection: UpstreamConnection, access_token: str, subject: str
) -> dict[str, Any]:
    url = discovery(rt, connection).get("userinfo_endpoint")
    if not isinstance(url, str):
        return {}
    claims = get_json(rt, url, what=connection.name, token=access_token)
    if not isinstance(claims, dict) or claims.get("sub") != subject:
        raise UpstreamFailed(f"{connection.name} described another account.")
    return claims


def _openid(
    name: str, display: str, scopes: tuple[str, ...], **extra: dict[str, str]
) -> UpstreamProvider:
    return UpstreamProvider(
        name=name,
        display_name=display,
        openid=True,
        issuer_required=name == "oidc",
        default_scopes=scopes,
        endpoints=endpoints,
        profile=profile,
        **extra,
    )


GENERIC = _openid("oidc", "OpenID Connect", (*OPENID_SCOPES, "offline_access"))
# Google issues a refresh token for access_type=offline, not for a scope.
GOOGLE = _openid(
    "google", "Google", OPENID_SCOPES, extra_authorization_params={"access_type": "offline"}
)
MICROSOFT = _openid("microsoft", "Microsoft", (*OPENID_SCOPES, "offline_access"))
