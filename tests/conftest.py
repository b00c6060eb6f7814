"""Fixtures shared by every kind of test: a migrated database (SQLite, and PostgreSQL when
IDGATE_TEST_POSTGRES_URL is set), a runtime with a controllable clock, and a tenant with
one client of each kind and a customer. The stand-ins for upstream identity providers
(tests/standins: GitHub, Microsoft, node oidc-provider) are registered here as a plugin.

Tenants, clients and customers are provisioned as ``idgate tenant/client/user create``
does: through the control plane's operations, by ``LOCAL_OPERATOR``, with the '*' tenant
scope (``provision_tenant``, ``provision_client``, ``provision_customer``)."""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from idgate.control.applications import create_application
from idgate.control.customers_admin import add_customer
from idgate.control.organizations import provision_organization
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.identity.customers import Customer
from idgate.kernel.runtime import Runtime
from idgate.kernel.settings import Settings
from idgate.oauth.client_model import Client
from idgate.process import build_runtime, install_runtime
from idgate.storage import database
from idgate.storage.database import normalize_url
from idgate.storage.migrations import prepare_database
from idgate.storage.tables import metadata
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from idgate.tenancy.tenants import Tenant, find_tenant

# The upstream providers idgate signs customers in through (GitHub, any OpenID provider).
pytest_plugins = ["tests.standins.fixtures"]

PUBLIC_URL = "http://testserver"
MASTER_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode().rstrip("=")
POSTGRES_URL = os.environ.get("IDGATE_TEST_POSTGRES_URL")  # the schema owner: migrates
# The role the runtime serves as: bound by row-level security (local/test.sh creates it).
POSTGRES_APP_URL = os.environ.get("IDGATE_TEST_POSTGRES_APP_URL")
PASSWORD = "correct horse battery"
WEB_SECRET = "web-client-secret-0123456789-abcdefghij"
SERVICE_SECRET = "service-client-secret-0123456789-abcdef"


class FakeClock:
    """A clock tests move by hand, starting at the real time."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _settings(database_url: str, tmp: Path, migration_url: str | None = None) -> Settings:
    return Settings(
        database_url=database_url,
        migration_database_url=migration_url,
        public_url=PUBLIC_URL,
        master_key=MASTER_KEY,
        master_key_file=tmp / "unused.key",
    )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per test session, copied for each test (much faster)."""
    path = tmp_path_factory.mktemp("template") / "idgate.db"
    runtime = build_runtime(_settings(f"sqlite:///{path}", path.parent))
    prepare_database(runtime)
    runtime.engine.dispose()  # checkpoints the WAL into the file we copy
    return path


@pytest.fixture(scope="session")
def postgres_migrated(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> str:
    assert POSTGRES_URL, "IDGATE_TEST_POSTGRES_URL is not set"
    url = normalize_url(POSTGRES_URL)
    runtime = build_runtime(_settings(url, tmp_path_factory.mktemp("pg")))
    prepare_database(runtime)
    runtime.engine.dispose()
    # The rows the migrations seed (the tiers), as a freshly migrated database holds them:
    # put back after every TRUNCATE, as copying the SQLite template does.
    template = create_engine(f"sqlite:///{sqlite_template}")
    with template.connect() as conn:
        for table in metadata.sorted_tables:
            rows = [dict(row._mapping) for row in conn.execute(table.select())]
            if rows:
                _POSTGRES_SEED[table.name] = rows
    template.dispose()
    return url


_POSTGRES_SEED: dict[str, list[dict[str, object]]] = {}


def _truncate_postgres(url: str) -> None:
    # As the owner, with the '*' tenant scope (TRUNCATE is not subject to row-level security
    # but needs the privilege; the seed is restored across tenants).
    engine = create_engine(url)
    names = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('app.tenant_id', '*', true)"))
        conn.execute(text(f"TRUNCATE {names} CASCADE"))
        for table in metadata.sorted_tables:
            if table.name in _POSTGRES_SEED:
                conn.execute(table.insert(), _POSTGRES_SEED[table.name])
    engine.dispose()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres" and not POSTGRES_URL:
        pytest.skip("IDGATE_TEST_POSTGRES_URL is not set")
    return str(request.param)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def rt(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock
) -> Iterator[Runtime]:
    migration_url = None
    if backend == "postgres":
        migration_url = request.getfixturevalue("postgres_migrated")
        _truncate_postgres(migration_url)
        url = normalize_url(POSTGRES_APP_URL) if POSTGRES_APP_URL else migration_url
    else:
        template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "idgate.db")
        url = f"sqlite:///{tmp_path / 'idgate.db'}"
    runtime = build_runtime(_settings(url, tmp_path, migration_url), clock=clock)
    install_runtime(runtime)
    yield runtime
    install_runtime(None)
    runtime.engine.dispose()


def provision_tenant(
    rt: Runtime, slug: str, name: str | None = None, tier: str = "enterprise"
) -> Tenant:
    """An active tenant, as ``idgate tenant create`` makes it (enterprise by default)."""
    with scoped(ALL_TENANTS):
        provision_organization(rt, LOCAL_OPERATOR, slug=slug, name=name, tier=tier)
        with database.read(rt.engine) as conn:
            tenant = find_tenant(conn, slug)
    assert tenant is not None
    return tenant


def provision_client(rt: Runtime, slug: str, **fields: Any) -> tuple[Client, str | None]:
    """A client, as ``idgate client create`` registers it; returns it and a generated
    secret. ``fields`` are ``register_client``'s."""
    with scoped(ALL_TENANTS):
        return create_application(rt, LOCAL_OPERATOR, slug, **fields)


def provision_customer(
    rt: Runtime, slug: str, *, email: str, password: str | None, name: str | None = None
) -> Customer:
    """A customer, as ``idgate user create`` adds one."""
    with scoped(ALL_TENANTS):
        return add_customer(rt, LOCAL_OPERATOR, slug, email=email, password=password, name=name)


@dataclass(frozen=True)
class TenantFixture:
    slug: str
    issuer: str
    customer_id: str
    email: str
    password: str


@pytest.fixture
def acme(rt: Runtime) -> TenantFixture:
    """Tenant ``acme`` with: ``web`` (confidential, code + refresh), ``spa`` (public, code +
    refresh), ``service`` (client_credentials), ``tv`` (public, device flow), and customer
    alice@example.com."""
    provision_tenant(rt, "acme", "Acme Inc")
    provision_client(
        rt,
        "acme",
        client_id="web",
        name="Acme Web",
        client_type="confidential",
        secret=WEB_SECRET,
        redirect_uris=["https://app.example.com/callback"],
        post_logout_redirect_uris=["https://app.example.com/bye"],
        grants=["authorization_code", "refresh_token"],
    )
    provision_client(
        rt,
        "acme",
        client_id="spa",
        name="Acme SPA",
        client_type="public",
        secret=None,
        redirect_uris=["http://127.0.0.1:5173/callback"],
        post_logout_redirect_uris=[],
        grants=["authorization_code", "refresh_token"],
    )
    provision_client(
        rt,
        "acme",
        client_id="service",
        name="Acme Service",
        client_type="confidential",
        secret=SERVICE_SECRET,
        redirect_uris=[],
        post_logout_redirect_uris=[],
        grants=["client_credentials"],
    )
    provision_client(
        rt,
        "acme",
        client_id="tv",
        name="Acme TV",
        client_type="public",
        secret=None,
        redirect_uris=[],
        post_logout_redirect_uris=[],
        grants=["device_code", "refresh_token"],
    )
    customer = provision_customer(
        rt, "acme", email="alice@example.com", password=PASSWORD, name="Alice Liddell"
    )
    return TenantFixture("acme", f"{PUBLIC_URL}/t/acme", customer.id, customer.email, PASSWORD)
