"""Verifying this tenant's own JWTs (RFC 7515 compact JWS, RFC 7519 claims, RFC 8725).

Done directly with ``cryptography`` rather than with PyJWT: verification is on the hot path
of introspection and userinfo, and PyJWT 2.15 spends about 140 µs of a 230 µs verification
checking base64url characters one by one in Python (twice: once for the header, once for
the token). And the algorithm comes from our own key record for the ``kid``, never from the
token's header, so an algorithm substitution (``none``, RS/HS confusion, RFC 8725 §2.1,
§3.1) has nothing to act on.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from idgate.crypto.digests import b64url_decode
from idgate.kernel.runtime import Runtime
from idgate.keys.signing_keys import EDDSA, ES256, RS256, VerificationKey, verification_key

CLOCK_SKEW_LEEWAY = 30
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


class InvalidJwt(Exception):
    """Signature, issuer, type or expiry check failed; the reason is for logs only."""


def _segment(text: str) -> bytes:
    if not _BASE64URL.fullmatch(text) or len(text) % 4 == 1:
        raise InvalidJwt("malformed token")
    try:
        return b64url_decode(text)
    except (binascii.Error, ValueError) as exc:
        raise InvalidJwt("malformed token") from exc


def _json_object(segment: str) -> dict[str, Any]:
    try:
        value = orjson.loads(_segment(segment))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidJwt("malformed token") from exc
    if not isinstance(value, dict):
        raise InvalidJwt("malformed token")
    return value


def _verify_rs256(public_key: Any, signing_input: bytes, signature: bytes) -> None:
    public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())


def _verify_es256(public_key: Any, signing_input: bytes, signature: bytes) -> None:
    # RFC 7518 §3.4: R || S, 32 bytes each, not DER.
    if len(signature) != 64:
        raise InvalidJwt("bad signature")
    der = encode_dss_signature(int.from_bytes(signature[:32]), int.from_bytes(signature[32:]))
    public_key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))


def _verify_eddsa(public_key: Any, signing_input: bytes, signature: bytes) -> None:
    public_key.verify(signature, signing_input)


# Each raises cryptography's InvalidSignature (or InvalidJwt) on a bad signature.
_VERIFIERS: dict[str, Callable[[Any, bytes, bytes], None]] = {
    RS256: _verify_rs256,
    ES256: _verify_es256,
    EDDSA: _verify_eddsa,
}


def _check_signature(key: VerificationKey, signing_input: bytes, signature: bytes) -> None:
    verify = _VERIFIERS.get(key.alg)
    if verify is None:
        raise InvalidJwt("unsupported algorithm")
    try:
        verify(key.public_key, signing_input, signature)
    except InvalidSignature as exc:
        raise InvalidJwt("bad signature") from exc


def verify_jwt(
    rt: Runtime,
    tenant_id: str,
    token: str,
    *,
    issuer: str,
    typ: str | None,
    verify_exp: bool = True,
) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidJwt("malformed token")
    header = _json_object(parts[0])
    if typ is not None and str(header.get("typ", "")).lower() != typ:
        raise InvalidJwt("unexpected token type")
    kid = header.get("kid")
    key = verification_key(rt, tenant_id, kid) if isinstance(kid, str) else None
    # RFC 8725 §3.1: the header's alg must be the key's own; RFC 7515 §4.1.11: no
    # extension this verifier does not understand may be marked critical.
    if key is None or header.get("alg") != key.alg or "crit" in header:
        raise InvalidJwt("unknown signing key")
    _check_signature(key, f"{parts[0]}.{parts[1]}".encode(), _segment(parts[2]))
    claims = _json_object(parts[1])
    if claims.get("iss") != issuer or not isinstance(claims.get("sub"), str):
        raise InvalidJwt("wrong issuer or no subject")
    _check_times(claims, now=rt.now(), verify_exp=verify_exp)
    return claims


def _check_times(claims: dict[str, Any], *, now: float, verify_exp: bool) -> None:
    """RFC 7519 §4.1.4-4.1.6 against the injected clock: expired at ``exp``; not valid
    before ``nbf`` or a future ``iat`` (with leeway for clock skew between the processes,
    Lambda instances, that sign and verify)."""
    try:
        iat = int(claims["iat"])
        exp = int(claims["exp"]) if verify_exp else None
        nbf = int(claims.get("nbf", iat))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidJwt("malformed time claim") from exc
    if exp is not None and exp <= now:
        raise InvalidJwt("token expired")
    if max(iat, nbf) > now + CLOCK_SKEW_LEEWAY:
        raise InvalidJwt("token not yet valid")
