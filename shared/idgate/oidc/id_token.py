"""ID tokens (OIDC Core §2, §3.1.3.6 at_hash, §3.1.3.7 validation rules the RP applies).

They carry the JOSE header ``typ: JWT``; a hint that must be an ID token is refused when it
has another type, such as an access token's ``at+jwt`` signed with the same keys (RFC 8725
§3.11: explicit typing keeps one kind of JWT from being taken for another).
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from idgate.crypto.digests import b64url, b64url_decode
from idgate.identity.customers import Customer
from idgate.kernel.runtime import Runtime
from idgate.keys.jws_signing import sign_jwt
from idgate.keys.jws_verification import InvalidJwt, verify_jwt
from idgate.keys.signing_keys import EDDSA
from idgate.oauth.client_model import ID_TOKEN_TTL, Client
from idgate.oidc.claims import claims_for_scope
from idgate.tenancy.tenants import Tenant, issuer_url

ID_TOKEN_TYP = "JWT"  # noqa: S105 - a JOSE type


def token_half_hash(token: str, alg: str) -> str:
    """at_hash: the left half of the hash of the token, with the hash of the JWS alg."""
    digest = (hashlib.sha512 if alg == EDDSA else hashlib.sha256)(token.encode("ascii")).digest()
    return b64url(digest[: len(digest) // 2])


def issue_id_token(
    rt: Runtime,
    tenant: Tenant,
    client: Client,
    *,
    customer: Customer,
    scope: str,
    nonce: str | None,
    auth_time: float | None,
    session_id: str | None,
    access_token: str,
    now: float,
) -> str:
    claims: dict[str, Any] = {
        "iss": issuer_url(rt, tenant),
        "sub": customer.id,
        "aud": client.client_id,
        "azp": client.client_id,
        "iat": int(now),
        "exp": int(now) + ID_TOKEN_TTL,
        "at_hash": token_half_hash(access_token, client.id_token_alg),
    }
    if auth_time is not None:
        claims["auth_time"] = int(auth_time)
    if nonce:
        claims["nonce"] = nonce
    if session_id:
        claims["sid"] = session_id
    claims.update(claims_for_scope(customer, scope))
    return sign_jwt(rt, tenant.id, claims, alg=client.id_token_alg, typ=ID_TOKEN_TYP)


def _typed_as_id_token(token: str) -> bool:
    """The JOSE header's ``typ`` is ``JWT`` (any case, RFC 7515 §4.1.9) or absent."""
    try:
        header = orjson.loads(b64url_decode(token.split(".", 1)[0]))
    except ValueError:  # binascii.Error and orjson's errors are ValueErrors
        return False
    if not isinstance(header, dict):
        return False
    typ = header.get("typ", ID_TOKEN_TYP)
    return isinstance(typ, str) and typ.upper() == ID_TOKEN_TYP


def decode_id_token_hint(rt: Runtime, tenant: Tenant, token: str) -> dict[str, Any] | None:
    """Claims of an ID token this tenant issued; an expired one is still a valid hint
    (RP-Initiated Logout §2). Another JWT of this issuer (an access token) is not."""
    try:
        claims = verify_jwt(
            rt, tenant.id, token, issuer=issuer_url(rt, tenant), typ=None, verify_exp=False
        )
    except InvalidJwt:
        return None
    return claims if _typed_as_id_token(token) else None
