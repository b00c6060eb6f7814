"""Answers of "not found" are cached briefly too: a flood of requests naming an unknown
tenant, or a JWT whose ``kid`` names no key of the tenant, costs at most one database
lookup per short TTL, not one per request (cheap amplification otherwise). Changes this
process makes are still seen at once: a tenant created here is served immediately, and so
is a token signed by a key created here.

Lookups are counted at the SQLAlchemy engine, by the statements that reach the database."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from idgate.kernel.runtime import NOT_FOUND_TTL_SECONDS, Runtime
from idgate.keys.jws_signing import sign_jwt
from idgate.keys.jws_verification import verify_jwt
from idgate.keys.signing_keys import EDDSA
from idgate.storage.tenant_scope import scoped
from idgate.tenancy.tenants import serving_tenant
from tests.conftest import SERVICE_SECRET, FakeClock, TenantFixture, provision_tenant
from tests.flows import basic

REQUESTS = 20
SERVICE_AUTH = basic("service", SERVICE_SECRET)


@pytest.fixture
def statements(rt: Runtime) -> Iterator[list[str]]:
    """The SQL of every statement the runtime's engine sends from now on."""
    sent: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(rt.engine, "before_cursor_execute", note)
    yield sent
    event.remove(rt.engine, "before_cursor_execute", note)


def _lookups(statements: list[str], table: str) -> int:
    return sum(1 for sql in statements if f"FROM {table}" in sql)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _token_with_kid(kid: str) -> str:
    header = _b64(json.dumps({"alg": "ES256", "typ": "at+jwt", "kid": kid}).encode())
    claims = _b64(json.dumps({"iss": "x", "sub": "y", "exp": 2**40}).encode())
    return f"{header}.{claims}.{_b64(bytes(64))}"


def _introspect(client: TestClient, token: str) -> None:
    response = client.post("/t/acme/introspect", data={"token": token}, headers=SERVICE_AUTH)
    assert response.status_code == 200, response.text
    assert response.json() == {"active": False}


@pytest.mark.parametrize("kids", ["same", "each different"])
def test_unknown_kid_loads_the_key_set_at_most_once_per_not_found_ttl(
    client: TestClient,
    acme: TenantFixture,
    clock: FakeClock,
    statements: list[str],
    kids: str,
) -> None:
    _introspect(client, _token_with_kid("warm-up"))  # client, key set and pepper cached
    statements.clear()
    for n in range(REQUESTS):
        _introspect(client, _token_with_kid("unknown" if kids == "same" else f"unknown-{n}"))
    assert _lookups(statements, "signing_keys") <= 1
    clock.advance(NOT_FOUND_TTL_SECONDS + 0.1)
    for n in range(REQUESTS):
        _introspect(client, _token_with_kid("unknown" if kids == "same" else f"later-{n}"))
    assert _lookups(statements, "signing_keys") <= 2


def test_unknown_tenant_is_looked_up_at_most_once_per_not_found_ttl(
    client: TestClient, rt: Runtime, clock: FakeClock, statements: list[str]
) -> None:
    for _ in range(REQUESTS):
        assert client.get("/t/nobody/.well-known/openid-configuration").status_code == 404
        assert client.post("/t/nobody/token", data={}).status_code == 404
    assert _lookups(statements, "tenants") == 1
    clock.advance(NOT_FOUND_TTL_SECONDS + 0.1)
    for _ in range(REQUESTS):
        assert client.get("/t/nobody/.well-known/openid-configuration").status_code == 404
    assert _lookups(statements, "tenants") == 2


def test_a_tenant_created_by_this_process_is_served_at_once_after_a_not_found(
    client: TestClient, rt: Runtime
) -> None:
    assert client.get("/t/newco/.well-known/openid-configuration").status_code == 404
    provision_tenant(rt, "newco")
    assert client.get("/t/newco/.well-known/openid-configuration").status_code == 200


def test_a_key_created_by_this_process_verifies_at_once_after_unknown_kids(
    client: TestClient, rt: Runtime, acme: TenantFixture
) -> None:
    for n in range(3):  # the key set was just reloaded for an unknown kid
        _introspect(client, _token_with_kid(f"unknown-{n}"))
    with scoped("*"):
        tenant = serving_tenant(rt, "acme")
    now = int(rt.now())
    claims = {"iss": acme.issuer, "sub": "alice", "iat": now, "exp": now + 60}
    with scoped(tenant.id):
        token = sign_jwt(rt, tenant.id, claims, alg=EDDSA, typ="at+jwt")  # a new EdDSA key
        verified = verify_jwt(rt, tenant.id, token, issuer=acme.issuer, typ="at+jwt")
    assert verified["sub"] == "alice"
