"""JWS verification of the tenant's own tokens (RFC 7515, RFC 8725): only a signature by
the key named in ``kid``, with that key's algorithm, over an unmodified token, counts."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from idgate.kernel.runtime import Runtime
from idgate.keys.jws import InvalidJwt, sign_jwt, verify_jwt
from idgate.storage.tenant_scope import scoped
from idgate.tenancy.tenants import serving_tenant
from tests.conftest import TenantFixture


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _token(rt: Runtime, tenant_id: str, issuer: str, alg: str = "ES256") -> str:
    now = int(rt.now())
    claims = {"iss": issuer, "sub": "alice", "iat": now, "exp": now + 60}
    return sign_jwt(rt, tenant_id, claims, alg=alg, typ="at+jwt")


def _replace_header(token: str, **changes: object) -> str:
    header_b64, payload, signature = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=="))
    header.update(changes)
    return ".".join([_b64(json.dumps(header).encode()), payload, signature])


@pytest.fixture(autouse=True)
def _tenant_scope(rt: Runtime, acme: TenantFixture) -> Iterator[None]:
    # Core calls outside a request: the tenant scope row-level security expects on PostgreSQL.
    with scoped(serving_tenant(rt, "acme").id):
        yield


@pytest.fixture
def signed(rt: Runtime, acme: TenantFixture) -> tuple[str, str]:
    tenant = serving_tenant(rt, "acme")
    return tenant.id, _token(rt, tenant.id, acme.issuer)


@pytest.mark.parametrize("alg", ["RS256", "ES256", "EdDSA"])
def test_each_algorithm_verifies_its_own_signature(
    rt: Runtime, acme: TenantFixture, alg: str
) -> None:
    tenant = serving_tenant(rt, "acme")
    token = _token(rt, tenant.id, acme.issuer, alg)
    assert verify_jwt(rt, tenant.id, token, issuer=acme.issuer, typ="at+jwt")["sub"] == "alice"


def test_alg_none_is_refused(rt: Runtime, acme: TenantFixture, signed: tuple[str, str]) -> None:
    tenant_id, token = signed
    header, payload, _ = _replace_header(token, alg="none").split(".")
    with pytest.raises(InvalidJwt):
        verify_jwt(rt, tenant_id, f"{header}.{payload}.", issuer=acme.issuer, typ="at+jwt")


def test_header_algorithm_other_than_the_keys_is_refused(
    rt: Runtime, acme: TenantFixture, signed: tuple[str, str]
) -> None:
    tenant_id, token = signed
    for alg in ("RS256", "HS256", "EdDSA"):
        with pytest.raises(InvalidJwt):
            verify_jwt(
                rt, tenant_id, _replace_header(token, alg=alg), issuer=acme.issuer, typ="at+jwt"
            )


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
        lambda t: _replace_header(t, kid="unknown"),
        lambda t: _replace_header(t, typ="JWT"),
        lambda t: _replace_header(t, crit=["exp"]),
    ],
)
def test_malformed_or_unknown_tokens_are_refused(
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
