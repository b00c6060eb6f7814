"""JWT access tokens (RFC 9068).

Claims: ``iss``, ``sub`` (the customer, or the client id for client_credentials, §2.2),
``aud`` (the client's configured audience, else the issuer: the resource this tenant's
userinfo serves), ``exp``, ``iat``, ``jti``,
``client_id``, ``scope``, and where an end user signed in ``auth_time`` and ``sid``. The
private claim ``fid`` names the token family so that revoking a family (logout, refresh
reuse, code replay) deactivates its access tokens at introspection and userinfo without a
row per token. Header ``typ`` is ``at+jwt`` (§2.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, exists, insert, select
from sqlalchemy.exc import IntegrityError

from idgate.crypto.digests import random_token
from idgate.kernel.errors import BearerTokenMissing, InvalidToken
from idgate.kernel.runtime import Runtime
from idgate.keys.jws_signing import sign_jwt
from idgate.keys.jws_verification import InvalidJwt, verify_jwt
from idgate.keys.signing_keys import ACCESS_TOKEN_ALG
from idgate.storage.driver_queries import DriverQuery
from idgate.storage.tables import revoked_access_tokens, token_families
from idgate.tenancy.tenants import Tenant, issuer_url

ACCESS_TOKEN_TYP = "at+jwt"  # noqa: S105 - a JOSE type


@dataclass(frozen=True)
class AccessTokenSubject:
    subject: str
    client_id: str
    scope: str
    family_id: str | None = None
    session_id: str | None = None
    auth_time: float | None = None
    audience: str | None = None


def issue_access_token(
    rt: Runtime, tenant: Tenant, grant: AccessTokenSubject, *, ttl: int, now: float
) -> str:
    issuer = issuer_url(rt, tenant)
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": grant.subject,
        "aud": grant.audience or issuer,
        "iat": int(now),
        "exp": int(now) + ttl,
        "jti": random_token(16),
        "client_id": grant.client_id,
        "scope": grant.scope,
    }
    if grant.auth_time is not None:
        claims["auth_time"] = int(grant.auth_time)
    if grant.session_id:
        claims["sid"] = grant.session_id
    if grant.family_id:
        claims["fid"] = grant.family_id
    return sign_jwt(rt, tenant.id, claims, alg=ACCESS_TOKEN_ALG, typ=ACCESS_TOKEN_TYP)


# A resource server introspects the same token on each call it serves, and the ES256
# verification is most of an introspection (50 of 75 us). So the claims of a token whose
# signature verified are remembered, per process, by the token's exact text: the same bytes
# cannot verify differently. Expiry is checked on every use, and revocation (the caller's
# database check) too. Bounded, oldest out first (``Runtime.verified_tokens``). But its key
# can be withdrawn (an immediate rotation, keys.key_rotation), so a remembered token is
# verified again once the key cache's TTL has passed: another process's withdrawal then
# reaches the tokens this one remembers as it reaches its cached keys.


def decode_access_token(rt: Runtime, tenant: Tenant, token: str) -> dict[str, Any] | None:
    """Verified claims of an unexpired access token of this tenant, else None. The claims
    are shared: read them, never change them."""
    key = (tenant.id, token)
    now = rt.now()
    remembered = rt.verified_tokens.get(key)
    if remembered is not None and remembered[1] > now:
        claims = remembered[0]
        return claims if claims["exp"] > now else None
    try:
        claims = verify_jwt(
            rt, tenant.id, token, issuer=issuer_url(rt, tenant), typ=ACCESS_TOKEN_TYP
        )
    except InvalidJwt:
        return None
    rt.verified_tokens.remember(key, (claims, now + rt.settings.cache_ttl_seconds))
    return claims


# Revoked by its own id (RFC 7009), or with its token family (logout, refresh reuse, code
# replay): one statement, one round trip. A token without a family has family_id NULL and
# ignores the second answer.
_REVOCATION_STATE = DriverQuery(
    select(
        exists().where(revoked_access_tokens.c.jti == bindparam("jti")),
        exists().where(
            token_families.c.id == bindparam("family_id"),
            token_families.c.tenant_id == bindparam("tenant_id"),
            token_families.c.revoked_at.is_(None),
        ),
    )
)


def access_token_is_revoked(rt: Runtime, *, tenant_id: str, claims: dict[str, Any]) -> bool:
    family_id = claims.get("fid")
    params = {
        "jti": claims["jti"],
        "family_id": family_id if isinstance(family_id, str) else None,
        "tenant_id": tenant_id,
    }
    row = _REVOCATION_STATE.first(rt.engine, params)
    if row is None or row[0]:
        return True
    return isinstance(family_id, str) and not row[1]


def revoke_access_token(conn: Connection, *, tenant_id: str, claims: dict[str, Any]) -> None:
    try:
        with conn.begin_nested():
            conn.execute(
                insert(revoked_access_tokens).values(
                    jti=claims["jti"], tenant_id=tenant_id, expires_at=claims["exp"]
                )
            )
    except IntegrityError:
        pass  # already revoked: RFC 7009 §2.2 treats this as success


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise BearerTokenMissing("a Bearer access token is required")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("a Bearer access token is required")
    return token.strip()
