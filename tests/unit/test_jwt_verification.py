"""JWS verification of the tenant's own tokens (RFC 7515, RFC 8725): only a signature by
the key named in ``kid``, with that key's algorithm, over an unmodified token, counts.

Each refused token differs from a valid one in exactly the property under test: a forged
header is signed again with the tenant's real key, so its signature is good and only the
forged header value can be the reason for the refusal."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from idgate.kernel.runtime import Runtime
from idgate.keys.jws_signing import jws_signature, sign_jwt
from idgate.keys.jws_verification import InvalidJwt, verify_jwt
from idgate.keys.signing_keys import ES256, SUPPORTED_ALGS, signing_key
from idgate.storage.tenant_scope import scoped
from idgate.tenancy.tenants import serving_tenant
from tests.conftest import TenantFixture


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _token(rt: Runtime, tenant_id: str, issuer: str, alg: str = ES256) -> str:
    now = int(rt.now())
    claims = {"iss": issuer, "sub": "alice", "iat": now, "exp": now + 60}
    return sign_jwt(rt, tenant_id, claims, alg=alg, typ="at+jwt")


def _resigned(rt: Runtime, tenant_id: str, token: str, changes: dict[str, Any]) -> str:
    """``token`` (signed by the tenant's ES256 key) with ``changes`` to its header, signed
    again by that same key: a valid signature over the forged header."""
    header_b64, payload, _ = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=="))
    header.update(changes)
    signing_input = f"{_b64(json.dumps(header).encode())}.{payload}"
    signature = jws_signature(signing_key(rt, tenant_id, ES256), signing_input.encode())
    return f"{signing_input}.{_b64(signature)}"


@pytest.fixture(autouse=True)
def _tenant_scope(rt: Runtime, acme: TenantFixture) -> Iterator[None]:
    # Core calls outside a request: the tenant scope row-level security expects on PostgreSQL.
    with scoped(serving_tenant(rt, "acme").id):
        yield


@pytest.fixture
def signed(rt: Runtime, acme: TenantFixture) -> tuple[str, str]:
    tenant = serving_tenant(rt, "acme")
    return tenant.id, _token(rt, tenant.id, acme.issuer)


def test_a_header_signed_again_unchanged_verifies(
    rt: Runtime, acme: TenantFixture, signed: tuple[str, str]
) -> None:
    """The control for the forged-header cases: re-signing by itself refuses nothing."""
    tenant_id, token = signed
    resigned = _resigned(rt, tenant_id, token, {})
    assert resigned != token
    assert verify_jwt(rt, tenant_id, resigned, issuer=acme.issuer, typ="at+jwt")["sub"] == "alice"


@pytest.mark.parametrize("alg", SUPPORTED_ALGS)
def test_each_algorithm_verifies_its_own_signature(
    rt: Runtime, acme: TenantFixture, alg: str
) -> None:
    tenant = serving_tenant(rt, "acme")
    token = _token(rt, tenant.id, acme.issuer, alg)
    assert verify_jwt(rt, tenant.id, token, issuer=acme.issuer, typ="at+jwt")["sub"] == "alice"


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "EdDSA"])
def test_header_algorithm_other_than_the_keys_is_refused(
    rt: Runtime, acme: TenantFixture, signed: tuple[str, str], alg: str
) -> None:
    """RFC 8725 §2.1, §3.1: the algorithm is the key's own (ES256 here), whatever the header
    says, ``none`` included."""
    tenant_id, token = signed
    forged = _resigned(rt, tenant_id, token, {"alg": alg})
    with pytest.raises(InvalidJwt):
        verify_jwt(rt, tenant_id, forged, issuer=acme.issuer, typ="at+jwt")


def test_unsigned_token_is_refused(
    rt: Runtime, acme: TenantFixture, signed: tuple[str, str]
) -> None:
    """RFC 7515 §5.2: a token whose signature segment is empty is not signed."""
    tenant_id, token = signed
    header, payload, _ = token.split(".")
    with pytest.raises(InvalidJwt):
        verify_jwt(rt, tenant_id, f"{header}.{payload}.", issuer=acme.issuer, typ="at+jwt")


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"kid": "unknown"}, id="unknown-kid"),
        # RFC 9068 §2.1 / RFC 8725 §3.11: an ID token is not an access token.
        pytest.param({"typ": "JWT"}, id="other-typ"),
        # RFC 7515 §4.1.11: a critical extension this verifier does not understand.
        pytest.param({"crit": ["x-ext"], "x-ext": True}, id="crit"),
    ],
)
def test_forged_header_is_refused(
    rt: Runtime, acme: TenantFixture, signed: tuple[str, str], changes: dict[str, Any]
) -> None:
    tenant_id, token = signed
    forged = _resigned(rt, tenant_id, token, changes)
    with pytest.raises(InvalidJwt):
        verify_jwt(rt, tenant_id, forged, issuer=acme.issuer, typ="at+jwt")


def test_modified_payload_is_refused(
    rt: Runtime, acme: TenantFixture, signed: tuple[str, str]
) -> None:
    tenant_id, token = signed
    header, _, signature = token.split(".")
    forged = _b64(
        json.dumps({"iss": acme.issuer, "sub": "mallory", "iat": 1, "exp": 2**40}).encode()
    )
    with pytest.raises(InvalidJwt):
        verify_jwt(
            rt, tenant_id, f"{header}.{forged}.{signature}", issuer=acme.issuer, typ="at+jwt"
        )


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t + "!",
        lambda t: t.replace(".", "..", 1),
        lambda t: "a.b",
        lambda t: t[:-3],
    ],
)
def test_malformed_tokens_are_refused(
    rt: Runtime, acme: TenantFixture, signed: tuple[str, str], mangle: object
) -> None:
    tenant_id, token = signed
    with pytest.raises(InvalidJwt):
        verify_jwt(rt, tenant_id, mangle(token), issuer=acme.issuer, typ="at+jwt")  # type: ignore[operator]


def test_token_of_another_issuer_is_refused(rt: Runtime, acme: TenantFixture) -> None:
    tenant = serving_tenant(rt, "acme")
    token = _token(rt, tenant.id, "https://elsewhere.example.com")
    with pytest.raises(InvalidJwt):
        verify_jwt(rt, tenant.id, token, issuer=acme.issuer, typ="at+jwt")
