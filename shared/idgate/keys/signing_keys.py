"""Per-tenant signing keys and the JWKS (RFC 7517), generated on first use.

RS256 is the ID-token default (OIDC Core §15.1 requires it); ES256 signs access tokens by
default because it costs a fraction of RSA; EdDSA (Ed25519) is available per client. Private
keys are stored as PKCS#8 DER sealed with the tenant's data key; parsed keys are cached
per process so no request deserializes a key. A rotation (``key_rotation``) publishes a
next key that takes over at its ``activates_at``: the process that first loads the key
after that moment promotes it (OIDC Core §10.1.1 rollover), so no scheduler is involved.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
from sqlalchemy import RowMapping, and_, insert, or_, select, update

from idgate.kernel.runtime import Runtime
from idgate.keys.data_keys import open_for_tenant, seal_for_tenant
from idgate.storage import database
from idgate.storage.tables import signing_keys

# The JWS algorithms (RFC 7518 §3.1, RFC 8037 §3.1), named once here; the other modules
# key their tables by these names.
RS256: Final = "RS256"
ES256: Final = "ES256"
EDDSA: Final = "EdDSA"
# The same three names as a type, for the HTTP edge's request models.
SigningAlg = Literal["RS256", "ES256", "EdDSA"]
SUPPORTED_ALGS: tuple[SigningAlg, ...] = (RS256, ES256, EDDSA)
ID_TOKEN_DEFAULT_ALG: SigningAlg = RS256
ACCESS_TOKEN_ALG = ES256

_JWK_CODECS: dict[str, Any] = {RS256: RSAAlgorithm, ES256: ECAlgorithm, EDDSA: OKPAlgorithm}
_KEY_GENERATORS: dict[str, Callable[[], Any]] = {
    RS256: lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    ES256: lambda: ec.generate_private_key(ec.SECP256R1()),
    EDDSA: ed25519.Ed25519PrivateKey.generate,
}


# A key's life (keys.key_rotation): published as "next" ahead of use, "current" while it
# signs, "retired" (still published, never signing) until the tokens it signed expire.
NEXT: Final = "next"
CURRENT: Final = "current"
RETIRED: Final = "retired"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    private_key: Any
    public_jwk: dict[str, Any]


@dataclass(frozen=True)
class GeneratedKey:
    key: SigningKey
    sealed: bytes  # the private key as stored


def _generate(alg: str) -> Any:
    generate = _KEY_GENERATORS.get(alg)
    if generate is None:
        raise ValueError(f"unsupported signing algorithm {alg}")
    return generate()


def _public_jwk(alg: str, public_key: Any, kid: str) -> dict[str, Any]:
    codec = _JWK_CODECS[alg]
    jwk = json.loads(codec.to_jwk(public_key))
    jwk.pop("key_ops", None)  # RFC 7517 §4.3: "use" and "key_ops" should not be used together
    jwk.update({"kid": kid, "alg": alg, "use": "sig"})
    return jwk


def generate_key(rt: Runtime, tenant_id: str, alg: str) -> GeneratedKey:
    """A fresh key for ``alg`` with its public JWK and its private half sealed (PKCS#8 DER
    under the tenant's data key, bound to its kid)."""
    private_key = _generate(alg)
    kid = uuid.uuid4().hex
    der = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    jwk = _public_jwk(alg, private_key.public_key(), kid)
    sealed = seal_for_tenant(rt, tenant_id, der, f"signing_key:{kid}")
    return GeneratedKey(SigningKey(kid, alg, private_key, jwk), sealed)


def signing_key(rt: Runtime, tenant_id: str, alg: str) -> SigningKey:
    """The key that signs ``alg`` tokens now: a cache hit on the token path. A miss reads
    the tenant's current and next keys once, promoting a next key whose time has come."""
    return rt.cache.get_or_load(
        ("signing_key", tenant_id, alg), lambda: _load_or_create(rt, tenant_id, alg)
    )


def _load_or_create(rt: Runtime, tenant_id: str, alg: str) -> SigningKey:
    key = _load_current(rt, tenant_id, alg)
    return key if key is not None else _create(rt, tenant_id, alg)


def _signing_rows(rt: Runtime, tenant_id: str, alg: str) -> list[RowMapping]:
    """The tenant's current and next keys for ``alg``, newest first."""
    query = (
        select(signing_keys)
        .where(
            signing_keys.c.tenant_id == tenant_id,
            signing_keys.c.alg == alg,
            signing_keys.c.status.in_((CURRENT, NEXT)),
        )
        .order_by(signing_keys.c.created_at.desc(), signing_keys.c.kid)
    )
    with database.read(rt.engine) as conn:
        return list(conn.execute(query).mappings())


def _load_current(rt: Runtime, tenant_id: str, alg: str) -> SigningKey | None:
    """The newest current key for ``alg``, unsealed and parsed; None before the first one.
    A next key past its ``activates_at`` is promoted first (lazily: no scheduler needed)."""
    rows = _signing_rows(rt, tenant_id, alg)
    now = rt.now()
    due = [r for r in rows if r["status"] == NEXT and (r["activates_at"] or 0.0) <= now]
    if due:
        at = due[0]["activates_at"] or now
        promote_next_key(rt, tenant_id, alg, kid=due[0]["kid"], at=at)
        rows = _signing_rows(rt, tenant_id, alg)  # whichever process won, its outcome
    current = next((r for r in rows if r["status"] == CURRENT), None)
    if current is None:
        return None
    der = open_for_tenant(rt, tenant_id, current["private_key"], f"signing_key:{current['kid']}")
    private_key = serialization.load_der_private_key(der, password=None)
    return SigningKey(current["kid"], alg, private_key, dict(current["public_jwk"]))


def promote_next_key(rt: Runtime, tenant_id: str, alg: str, *, kid: str, at: float) -> None:
    """OIDC Core §10.1.1 rollover: the published next key ``kid`` signs from now on, and
    the key it replaces (with any older next key) retires as of ``at``, its
    ``activates_at``, from which the purge counts its grace. Conditional UPDATEs, so of
    several processes promoting at once one does it and the others change nothing."""
    key = signing_keys.c
    with database.write(rt.engine) as conn:
        promoted = conn.execute(
            update(signing_keys)
            .where(key.kid == kid, key.status == NEXT)
            .values(status=CURRENT, activates_at=at)
        ).rowcount
        if not promoted:
            return
        replaced = or_(key.status == CURRENT, and_(key.status == NEXT, key.activates_at <= at))
        conn.execute(
            update(signing_keys)
            .where(key.tenant_id == tenant_id, key.alg == alg, key.kid != kid, replaced)
            .values(status=RETIRED, retired_at=at)
        )


def _create(rt: Runtime, tenant_id: str, alg: str) -> SigningKey:
    """Generate the tenant's first key for ``alg``, current at once."""
    generated = generate_key(rt, tenant_id, alg)
    key, now = generated.key, rt.now()
    with database.write(rt.engine) as conn:
        conn.execute(
            insert(signing_keys).values(
                kid=key.kid,
                tenant_id=tenant_id,
                alg=alg,
                status=CURRENT,
                private_key=generated.sealed,
                public_jwk=key.public_jwk,
                created_at=now,
                activates_at=now,
            )
        )
    rt.cache.invalidate(("jwks", tenant_id))
    return key


def jwks(rt: Runtime, tenant_id: str) -> dict[str, Any]:
    """The published key set (RFC 7517 §5): every key of the tenant, so the next key is
    known before it signs and a retired one until the tokens it signed have expired
    (OIDC Core §10.1.1). The ID-token and access-token keys exist before it is served."""

    def load() -> dict[str, Any]:
        signing_key(rt, tenant_id, ID_TOKEN_DEFAULT_ALG)
        signing_key(rt, tenant_id, ACCESS_TOKEN_ALG)
        query = (
            select(signing_keys.c.public_jwk)
            .where(signing_keys.c.tenant_id == tenant_id)
            .order_by(signing_keys.c.created_at, signing_keys.c.kid)
        )
        with database.read(rt.engine) as conn:
            return {"keys": [dict(jwk) for jwk in conn.execute(query).scalars()]}

    return rt.cache.get_or_load(("jwks", tenant_id), load)


@dataclass(frozen=True)
class VerificationKey:
    alg: str
    public_key: Any


def verification_key(rt: Runtime, tenant_id: str, kid: str) -> VerificationKey | None:
    """The public key for ``kid`` with the one algorithm it was made for, parsed once; None
    for a key this tenant never published (cached briefly too, see ``Runtime``)."""

    def find() -> VerificationKey | None:
        for jwk in jwks(rt, tenant_id)["keys"]:
            if jwk["kid"] == kid:
                return VerificationKey(jwk["alg"], _JWK_CODECS[jwk["alg"]].from_jwk(jwk))
        return None

    def load() -> VerificationKey | None:
        key = find()
        # Another process may have created the key after this one cached the set; but a
        # made-up kid must not reload the set on every request, so at most once per a
        # few seconds (a key created by this process invalidated the set already).
        if key is None and rt.cache.first_within_ttl(("jwks_reload", tenant_id)):
            rt.cache.invalidate(("jwks", tenant_id))
            key = find()
        return key

    return rt.cache.get_or_load(("verification_key", tenant_id, kid), load)
