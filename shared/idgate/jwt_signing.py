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
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[alg],
            issuer=issuer,
            # Times are checked below against the runtime's clock, not PyJWT's time.time().
            options={
                "verify_aud": False,
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "require": ["iss", "sub", "iat", *(["exp"] if verify_exp else [])],
            },
        )
    except jwt.PyJWTError as exc:
        raise InvalidJwt(str(exc)) from exc
    _check_times(claims, now=rt.now(), verify_exp=verify_exp)
    return claims


CLOCK_SKEW_LEEWAY = 30


def _check_times(claims: dict[str, Any], *, now: float, verify_exp: bool) -> None:
    """RFC 7519 §4.1.4-4.1.6 against the injected clock: expired at ``exp``; not valid
    before ``nbf`` or a future ``iat``."""
    try:
        iat = int(claims["iat"])
        exp = int(claims["exp"]) if verify_exp else None
        nbf = int(claims.get("nbf", iat))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidJwt("malformed time claim") from exc
    if exp is not None and exp <= now:
        raise InvalidJwt("token expired")
    # Leeway for clock skew between the processes (Lambda instances) that sign and verify.
    if max(iat, nbf) > now + CLOCK_SKEW_LEEWAY:
        raise InvalidJwt("token not yet valid")
