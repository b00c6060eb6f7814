"""Validating an upstream's ID token (OIDC Core §3.1.3.7): the signature with a key from the
upstream's JWKS (by ``kid``, reloaded at most once per cache TTL when a new key appears),
``iss``, ``aud`` = our client id, ``exp``/``iat``, and the ``nonce`` we sent. The algorithm
must be an asymmetric one the key itself is for; ``none`` and HMAC are never accepted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import structlog

from idgate.identity.upstream.upstream_http import UpstreamFailed, get_json
from idgate.kernel.runtime import Runtime

log = structlog.get_logger("idgate.upstream")
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")
LEEWAY = 60


def validate_id_token(
    rt: Runtime,
    id_token: str,
    *,
    jwks_uri: str,
    client_id: str,
    nonce: str,
    issuer_matches: Callable[[dict[str, Any]], bool],
    what: str,
) -> dict[str, Any]:
    """The token's claims; ``issuer_matches`` judges ``iss`` (Microsoft's multi-tenant
    issuers depend on the token's ``tid``)."""
    try:
        header = jwt.get_unverified_header(id_token)
        key = _signing_key(rt, jwks_uri, header.get("kid"), what=what)
        algorithm = header.get("alg")
        if algorithm not in ALGORITHMS:
            raise jwt.InvalidAlgorithmError(f"alg {algorithm!r}")
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key.key,
            algorithms=[algorithm],
            audience=client_id,
            leeway=LEEWAY,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except jwt.PyJWTError as exc:
        log.warning("upstream_id_token_invalid", reason=str(exc))
        raise UpstreamFailed(f"{what} sent a sign-in that could not be verified.") from None
    if not issuer_matches(claims) or claims.get("nonce") != nonce:
        log.warning("upstream_id_token_mismatch", iss=claims.get("iss"))
        raise UpstreamFailed(f"{what} sent a sign-in that could not be verified.")
    return claims


def _signing_key(rt: Runtime, jwks_uri: str, kid: str | None, *, what: str) -> jwt.PyJWK:
    key = _find(_jwks(rt, jwks_uri, what), kid)
    if key is None and rt.cache.first_within_ttl(("upstream_jwks_reload", jwks_uri)):
        rt.cache.invalidate(("upstream_jwks", jwks_uri))
        key = _find(_jwks(rt, jwks_uri, what), kid)
    if key is None:
        raise jwt.InvalidKeyError(f"no key {kid!r} in the upstream JWKS")
    return key


def _jwks(rt: Runtime, jwks_uri: str, what: str) -> list[jwt.PyJWK]:
    def load() -> list[jwt.PyJWK]:
        document = get_json(rt, jwks_uri, what=what)
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(keys, list):
            raise UpstreamFailed(f"{what} published no signing keys.")
        usable = []
        for jwk in keys:
            try:
                if isinstance(jwk, dict) and jwk.get("use", "sig") == "sig":
                    usable.append(jwt.PyJWK(jwk))
            except jwt.PyJWTError:
                continue  # a key type PyJWT cannot use: only tokens signed with it fail
        return usable

    return rt.cache.get_or_load(("upstream_jwks", jwks_uri), load)


def _find(keys: list[jwt.PyJWK], kid: str | None) -> jwt.PyJWK | None:
    if kid is None:
        return keys[0] if len(keys) == 1 else None
    return next((key for key in keys if key.key_id == kid), None)
