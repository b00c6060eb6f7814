"""Tenant isolation by PostgreSQL row-level security (migration 0003, and every later
migration's policies for its own tables).

Two tenants with customers, clients, sessions, consents, codes, token families, refresh
tokens, device codes, upstream connections and linked upstream accounts. Connected as the
application role (IDGATE_TEST_POSTGRES_APP_URL; the owner, also bound because the tables
FORCE row-level security, when it is not set): a query without a tenant scope sees no row
of any tenant, a tenant's scope sees only that tenant's rows, another tenant's scope sees
none of them and cannot write them, and the role cannot bypass the policies. The whole
code flow still works when served as that role.
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, func, insert, select, text, update
from sqlalchemy.exc import ProgrammingError

from idgate.control.connections_admin import put_upstream_connection
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.identity.upstream.connections import ConnectionSettings
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.database import create_database_engine, normalize_url
from idgate.storage.driver_queries import DriverQuery
from idgate.storage.tables import customers, metadata, token_families, upstream_identities
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import serving_tenant
from local.server import build_app
from tests.conftest import (
    PASSWORD,
    POSTGRES_URL,
    WEB_SECRET,
    TenantFixture,
    provision_client,
    provision_customer,
    provision_tenant,
)
from tests.flows import WEB_REDIRECT, Browser, basic, new_authorization, query_of, token_request

APP_URL = os.environ.get("IDGATE_TEST_POSTGRES_APP_URL")
VERSIONS = Path(__file__).resolve().parents[2] / "infra" / "migrations" / "versions"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="IDGATE_TEST_POSTGRES_URL is not set"),
]


def _migration(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"migration_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tenant_tables() -> dict[str, str]:
    """Every table a migration put under the policy (as tests/unit/
    test_row_level_security_tables.py reads them): 0003's, then each later one's own."""
    tables: dict[str, str] = {}
    for path in sorted(VERSIONS.glob("*.py")):
        tables.update(getattr(_migration(path), "TENANT_OWNED_TABLES", {}))
    return tables


TENANT_TABLES: dict[str, str] = _tenant_tables()
# Tables the two tenants' sign-ins, device authorizations and upstream connections fill
# (the rest may be empty).
FILLED = {
    "tenants",
    "tenant_data_keys",
    "signing_keys",
    "clients",
    "customers",
    "sessions",
    "consents",
    "interactions",
    "token_families",
    "authorization_codes",
    "refresh_tokens",
    "device_codes",
    "customer_activity",
    "upstream_connections",
    "upstream_identities",
}


@pytest.fixture
def backend() -> str:
    return "postgres"  # every test here runs on PostgreSQL only


@pytest.fixture
def client(rt: Runtime) -> TestClient:
    return TestClient(build_app(), base_url="http://testserver")


def _code_flow(client: TestClient, slug: str, email: str) -> dict[str, str]:
    """Sign in, consent, redeem the code; return the token response."""
    auth = new_authorization()
    redirect = Browser(client, slug).sign_in(auth, email, PASSWORD)
    assert redirect.startswith(WEB_REDIRECT), redirect
    params = query_of(redirect)
    assert params["state"] == auth.state
    form = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": WEB_REDIRECT,
        "code_verifier": auth.verifier,
    }
    response = token_request(client, slug, form, basic("web", WEB_SECRET))
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _device_authorization(client: TestClient, slug: str, client_id: str) -> None:
    response = client.post(f"/t/{slug}/device_authorization", data={"client_id": client_id})
    assert response.status_code == 200, response.text


@pytest.fixture
def tenants(rt: Runtime, acme: TenantFixture, client: TestClient) -> tuple[str, str]:
    """(acme's id, globex's id), each tenant with a signed-in customer, a redeemed code, a
    refresh token, a pending device authorization and an unfinished sign-in."""
    provision_tenant(rt, "globex", "Globex")
    for client_id, grants in (("web", ["authorization_code", "refresh_token"]), ("tv", [])):
        provision_client(
            rt,
            "globex",
            client_id=client_id,
            name=f"Globex {client_id}",
            client_type="confidential" if client_id == "web" else "public",
            secret=WEB_SECRET if client_id == "web" else None,
            redirect_uris=[WEB_REDIRECT] if client_id == "web" else [],
            post_logout_redirect_uris=[],
            grants=grants or ["device_code", "refresh_token"],
        )
    bob = provision_customer(rt, "globex", email="bob@globex.example", password=PASSWORD)
    for slug, email in (("acme", acme.email), ("globex", "bob@globex.example")):
        pending = Browser(client, slug).authorize(new_authorization())  # an open interaction
        assert pending.status_code == 302, pending.text
        _code_flow(client, slug, email)
        _device_authorization(client, slug, "tv")
    acme_id, globex_id = serving_tenant(rt, "acme").id, serving_tenant(rt, "globex").id
    _connect_github(rt, "acme", acme_id, acme.customer_id)
    _connect_github(rt, "globex", globex_id, bob.id)
    return acme_id, globex_id


def _connect_github(rt: Runtime, slug: str, tenant_id: str, customer_id: str) -> None:
    """A GitHub connection, as ``idgate connection create`` makes it, and the customer's
    account linked through it (the row a sign-in through it leaves)."""
    wanted = ConnectionSettings(provider="github", client_id=f"{slug}-app", client_secret="s")
    with scoped(ALL_TENANTS):
        put_upstream_connection(rt, LOCAL_OPERATOR, slug, "github", wanted)
        with database.write(rt.engine) as conn:
            conn.execute(
                insert(upstream_identities).values(
                    id=str(uuid.uuid4()),
                    tenant_id=tenant_id,
                    customer_id=customer_id,
                    connection_id="github",
                    subject=f"{slug}-user",
                    linked_at=rt.now(),
                )
            )


@pytest.fixture
def raw_app_engine(rt: Runtime) -> Iterator[Engine]:
    """The application role's connections without idgate's engine (no scope is ever set)."""
    engine = create_engine(normalize_url(APP_URL or POSTGRES_URL or ""))
    yield engine
    engine.dispose()


def _rows_by_tenant(engine: Engine) -> dict[str, dict[str, int]]:
    """For each tenant-owned table: tenant id -> number of rows visible."""
    seen: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for table, column in TENANT_TABLES.items():
            query = f"SELECT {column}, count(*) FROM {table} GROUP BY {column}"  # noqa: S608
            seen[table] = {str(owner): count for owner, count in conn.execute(text(query))}
    return seen


def _total(seen: dict[str, dict[str, int]]) -> int:
    return sum(sum(counts.values()) for counts in seen.values())


def test_the_tables_hold_both_tenants_rows_under_the_platform_scope(
    rt: Runtime, tenants: tuple[str, str]
) -> None:
    with scoped(ALL_TENANTS):
        seen = _rows_by_tenant(rt.engine)
    for table in FILLED:
        assert set(seen[table]) >= set(tenants), (table, seen[table])


def test_without_a_tenant_scope_no_tenant_row_is_visible(
    rt: Runtime, tenants: tuple[str, str], raw_app_engine: Engine
) -> None:
    with scoped(None):
        assert _total(_rows_by_tenant(rt.engine)) == 0
    # A connection on which app.tenant_id was never set at all sees nothing either.
    assert _total(_rows_by_tenant(raw_app_engine)) == 0


def test_a_tenant_scope_sees_only_that_tenants_rows(rt: Runtime, tenants: tuple[str, str]) -> None:
    acme_id, globex_id = tenants
    with scoped(ALL_TENANTS):
        everything = _rows_by_tenant(rt.engine)
    for own, other in ((acme_id, globex_id), (globex_id, acme_id)):
        with scoped(own):
            seen = _rows_by_tenant(rt.engine)
        for table in TENANT_TABLES:
            assert other not in seen[table], table
            assert seen[table].get(own, 0) == everything[table].get(own, 0), table


def test_another_tenants_scope_can_neither_read_nor_write_a_tenants_rows(
    rt: Runtime, tenants: tuple[str, str]
) -> None:
    acme_id, globex_id = tenants
    with scoped(globex_id):
        with rt.engine.begin() as conn:
            hidden = conn.execute(
                update(customers).where(customers.c.tenant_id == acme_id).values(name="pwned")
            )
            assert hidden.rowcount == 0  # USING: acme's rows are not there to update
        with pytest.raises(ProgrammingError, match="violates row-level security policy"):
            with rt.engine.begin() as conn:
                conn.execute(
                    insert(customers).values(
                        id="00000000-0000-0000-0000-00000000dead",
                        tenant_id=acme_id,
                        email="mallory@example.com",
                        email_verified=False,
                        disabled=False,
                        created_at=0.0,
                    )
                )
        with pytest.raises(ProgrammingError, match="violates row-level security policy"):
            with rt.engine.begin() as conn:  # WITH CHECK: no moving a row to another tenant
                conn.execute(update(customers).values(tenant_id=acme_id))
    with scoped(acme_id), rt.engine.connect() as conn:
        names = set(conn.execute(select(customers.c.name)).scalars())
    assert "pwned" not in names and names


def test_the_application_role_cannot_bypass_row_level_security(rt: Runtime) -> None:
    if not APP_URL:
        pytest.skip("IDGATE_TEST_POSTGRES_APP_URL is not set (local/test.sh sets it)")
    with rt.engine.connect() as conn:
        user = conn.execute(text("SELECT current_user")).scalar_one()
        role = conn.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        owned = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE tableowner = current_user")
        ).all()
    assert user == "idgate_app"
    assert tuple(role) == (False, False)
    assert owned == []


def test_every_table_with_a_tenant_column_has_the_forced_policy(rt: Runtime) -> None:
    with rt.engine.connect() as conn:
        with_tenant = set(
            conn.execute(
                text(
                    "SELECT table_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND column_name = 'tenant_id'"
                )
            ).scalars()
        )
        protected = set(
            conn.execute(
                text(
                    "SELECT c.relname FROM pg_class c JOIN pg_policies p "
                    "ON p.tablename = c.relname AND p.schemaname = current_schema() "
                    "WHERE c.relrowsecurity AND c.relforcerowsecurity "
                    "AND p.policyname = 'tenant_isolation'"
                )
            ).scalars()
        )
    assert with_tenant | {"tenants"} == protected
    assert with_tenant == {t.name for t in metadata.sorted_tables if "tenant_id" in t.c}


def test_the_code_flow_refresh_and_userinfo_work_served_as_the_application_role(
    rt: Runtime, acme: TenantFixture, client: TestClient
) -> None:
    if APP_URL:
        assert rt.engine.url.username == "idgate_app"
    tokens = _code_flow(client, "acme", acme.email)
    assert {"id_token", "access_token", "refresh_token"} <= set(tokens)
    refreshed = token_request(
        client,
        "acme",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        basic("web", WEB_SECRET),
    )
    assert refreshed.status_code == 200, refreshed.text
    info = client.get(
        "/t/acme/userinfo",
        headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"},
    )
    assert info.status_code == 200 and info.json()["sub"] == acme.customer_id


def test_driver_queries_see_only_their_scope_and_leave_no_scope_behind(
    rt: Runtime, tenants: tuple[str, str]
) -> None:
    """The hot-path lookups (idgate.storage.driver_queries) bypass SQLAlchemy's transaction
    events, so they set the scope themselves: check they get the same isolation, and that
    the scope ends with their implicit transaction (one pooled connection, reused)."""
    acme_id, globex_id = tenants
    engine = create_database_engine(rt.settings.model_copy(update={"db_pool_size": 1}))
    families = DriverQuery(select(func.count()).select_from(token_families))
    try:
        seen = {}
        for scope in (acme_id, globex_id, ALL_TENANTS, None):
            with scoped(scope):
                seen[scope] = families.first(engine, {})
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT current_setting('app.tenant_id', true)")
            leftover = cursor.fetchone()
            connection.rollback()
        finally:
            connection.close()
    finally:
        engine.dispose()

    assert seen[acme_id] is not None and seen[globex_id] is not None
    assert seen[acme_id][0] > 0 and seen[globex_id][0] > 0
    assert seen[ALL_TENANTS] == (seen[acme_id][0] + seen[globex_id][0],)
    assert seen[None] == (0,)
    assert leftover in ((None,), ("",))
