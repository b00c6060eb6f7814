"""Signing and verifying this tenant's JWTs (RFC 7515/7519) with its own keys."""

from __future__ import annotations

from typing import Any

import jwt

from idgate.keys import signing_key, verification_key
from idgate.runtime import Runtime


class InvalidJwt(Exception):
    """Signature, issuer, type or expiry check failed; the reason is for logs only."""


def sign_jwt(rt: Runtime, tenant_id: str, claims: dict[str, Any], *, alg: str, typ: str) -> str:
    key = signing_key(rt, tenant_id, alg)
    return jwt.encode(claims, key.private_key, algorithm=alg, headers={"kid": key.kid, "typ": typ})


def verify_jwt(
    rt: Runtime,
    tenant_id: str,
    token: str,
    *,
    issuer: str,
    typ: str | None,
    verify_exp: bool = True,
) -> dict[str, Any]:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidJwt("malformed token") from exc
    kid = header.get("kid")
    alg = header.get("alg")
    if typ is not None and str(header.get("typ", "")).lower() != typ:
        raise InvalidJwt("unexpected token type")
    key = verification_key(rt, tenant_id, kid) if isinstance(kid, str) else None
    if key is None or alg not in ("RS256", "ES256", "EdDSA"):
        raise InvalidJwt("unknown signing key")
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[alg],
            issuer=issuer,
            options={
                "verify_aud": False,
                "verify_exp": verify_exp,
                "require": ["iss", "sub", "iat"],
            },
        )
    except jwt.PyJWTError as exc:
        raise InvalidJwt(str(exc)) from exc
