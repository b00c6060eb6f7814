"""Builders for the admin API tests: an initialized platform with operators in every role.

The world, built through the admin API itself (only the platform init and token minting
call the core directly):

- ``root``: the platform owner (``idgate platform init``);
- ``alice`` signs up and owns organization ``shop``; ``bob`` owns ``mart``;
- ``carol`` (admin) and ``dave`` (viewer) signed up on their own, then alice added them to
  ``shop``;
- root approved ``shop`` and ``mart`` and moved ``shop`` to the pro tier;
- ``shop`` has application ``shop-web`` and customer ``cora``; ``mart`` has ``mart-web``
  and customer ``max``.

Operator access tokens are minted with the platform tenant's own signing key
(``issue_access_token``), the same tokens the device flow hands to the CLI; one test gets
them through the device flow itself. Password hashing uses Argon2id with the smallest cost
parameters: the tests create dozens of accounts, and Argon2id's real cost is covered by the
crypto unit tests.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import select

from idgate.control.platform import ADMIN_AUDIENCE, CLI_CLIENT_ID, init_platform
from idgate.crypto import passwords
from idgate.identity.sessions import start_session
from idgate.kernel.runtime import Runtime
from idgate.oauth.access_tokens import AccessTokenSubject, issue_access_token
from idgate.storage import database, tenant_scope
from idgate.storage.tables import (
    clients,
    consents,
    customers,
    memberships,
    sessions,
    signing_keys,
    tenants,
    tiers,
    token_families,
    upstream_connections,
    upstream_identities,
)
from idgate.tenancy.tenants import PLATFORM_SLUG, Tenant, find_tenant
from local.server import build_app
from tests.conftest import provision_tenant

ROOT_EMAIL = "root@idgate.example"
OPERATOR_PASSWORD = "operator password 42"
CUSTOMER_PASSWORD = "customer password 42"
SHOP_REDIRECT = "https://shop.example/callback"
MART_REDIRECT = "https://mart.example/callback"
API = "/api/v1"

# role in shop -> the operator who holds it
ROLE_HOLDERS = {
    "platform": "root",
    "owner": "alice",
    "admin": "carol",
    "viewer": "dave",
    "outsider": "bob",
}


def use_cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    dummy = cheap.hash("idgate-timing-equalizer")
    monkeypatch.setattr(passwords, "_hasher", lambda: cheap)
    monkeypatch.setattr(passwords, "_dummy_hash", lambda: dummy)


@contextmanager
def all_tenants() -> Iterator[None]:
    """Direct database work of the test itself (what the CLI does), across tenants."""
    with tenant_scope.scoped(tenant_scope.ALL_TENANTS):
        yield


def tenant_by_slug(rt: Runtime, slug: str) -> Tenant:
    with all_tenants(), database.read(rt.engine) as conn:
        tenant = find_tenant(conn, slug)
    assert tenant is not None, slug
    return tenant


def operator_id(rt: Runtime, email: str) -> str:
    platform = tenant_by_slug(rt, PLATFORM_SLUG)
    with all_tenants(), database.read(rt.engine) as conn:
        found = conn.execute(
            select(customers.c.id).where(
                customers.c.tenant_id == platform.id, customers.c.email == email
            )
        ).scalar_one()
    return str(found)


def mint_token(
    rt: Runtime,
    subject: str,
    *,
    tenant: Tenant | None = None,
    audience: str | None = ADMIN_AUDIENCE,
    ttl: int = 300,
) -> str:
    """An access token signed by ``tenant`` (the platform by default) as for the CLI."""
    issuer = tenant or tenant_by_slug(rt, PLATFORM_SLUG)
    grant = AccessTokenSubject(
        subject=subject, client_id=CLI_CLIENT_ID, scope="openid", audience=audience
    )
    with all_tenants():
        return issue_access_token(rt, issuer, grant, ttl=ttl, now=rt.now())


def start_customer_session(rt: Runtime, slug: str, customer_id: str) -> str:
    """A session as a sign-in would leave it (for endpoints that only need one to exist)."""
    tenant = tenant_by_slug(rt, slug)
    with all_tenants(), database.write(rt.engine) as conn:
        _, session = start_session(conn, tenant_id=tenant.id, customer_id=customer_id, now=rt.now())
    return session.id


def database_state(rt: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row an admin call could change (the audit log aside), for before/after checks."""
    tables = (tenants, tiers, clients, customers, memberships, sessions, token_families, consents)
    tables += (upstream_connections, upstream_identities, signing_keys)
    with all_tenants(), database.read(rt.engine) as conn:
        return {
            table.name: sorted(
                (tuple(str(value) for value in row) for row in conn.execute(select(table))),
            )
            for table in tables
        }


def open_client(stack: ExitStack, app: Any) -> TestClient:
    """A TestClient kept open until ``stack`` closes: one event loop thread for all its
    requests instead of one per request (several times faster)."""
    return stack.enter_context(TestClient(app, base_url="http://testserver"))


def start_platform(rt: Runtime, stack: ExitStack) -> tuple[TestClient, str]:
    """``idgate platform init``; returns a client of the single-process app and root's id."""
    with all_tenants():
        init_platform(rt, owner_email=ROOT_EMAIL, password=OPERATOR_PASSWORD)
    return open_client(stack, build_app()), operator_id(rt, ROOT_EMAIL)


@dataclass
class AdminWorld:
    rt: Runtime
    client: TestClient
    stack: ExitStack
    ids: dict[str, str] = field(default_factory=dict)  # name -> operator id
    tokens: dict[str, str] = field(default_factory=dict)  # name -> access token
    secrets: dict[str, str] = field(default_factory=dict)  # client id -> secret
    customer_ids: dict[str, str] = field(default_factory=dict)  # name -> customer id
    counter: Iterator[int] = field(default_factory=itertools.count)

    @staticmethod
    def email(name: str) -> str:
        return ROOT_EMAIL if name == "root" else f"{name}@operators.example"

    def unique(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}"

    def headers(self, who: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}

    def call(
        self,
        method: str,
        path: str,
        who: str | None = "root",
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return self.client.request(
            method,
            API + path,
            json=json,
            params=params,
            headers={**self.headers(who), **(headers or {})},
        )

    def ok(
        self,
        method: str,
        path: str,
        who: str | None = "root",
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Any:
        response = self.call(method, path, who, json=json, params=params)
        assert response.status_code == status, (method, path, who, response.text)
        return response.json() if response.content else None

    def tenant_id(self, slug: str) -> str:
        return tenant_by_slug(self.rt, slug).id

    # --- operators and their resources -------------------------------------------------

    def sign_up(self, name: str, slug: str) -> dict[str, Any]:
        body = {
            "email": self.email(name),
            "password": OPERATOR_PASSWORD,
            "name": name.title(),
            "organization": {"slug": slug, "name": f"{slug.title()} Ltd"},
        }
        org = self.ok("POST", "/signup", None, json=body, status=201)
        self.ids[name] = operator_id(self.rt, self.email(name))
        self.tokens[name] = mint_token(self.rt, self.ids[name])
        return dict(org)

    def new_operator(self) -> str:
        """A fresh operator account (with its own pending organization); returns its name."""
        name = self.unique("op")
        self.sign_up(name, f"{name}-org")
        return name

    def add_app(
        self,
        slug: str,
        client_id: str,
        redirect_uri: str = SHOP_REDIRECT,
        who: str = "root",
        **fields: Any,
    ) -> dict[str, Any]:
        body = {
            "client_id": client_id,
            "name": client_id.title(),
            "redirect_uris": [redirect_uri],
            "grants": ["authorization_code", "refresh_token"],
            **fields,
        }
        app = self.ok("POST", f"/orgs/{slug}/apps", who, json=body, status=201)
        if app["client_secret"]:
            self.secrets[client_id] = app["client_secret"]
        return dict(app)

    def add_customer(
        self, slug: str, email: str, password: str | None = None, who: str = "root"
    ) -> str:
        body = {"email": email, "password": password, "name": email.split("@")[0].title()}
        return str(self.ok("POST", f"/orgs/{slug}/customers", who, json=body, status=201)["id"])

    def new_org(self, status: str = "active") -> str:
        """A fresh organization with shop's role layout (alice owner, carol admin, dave
        viewer), brought to ``status`` by root."""
        slug = self.unique("org")
        self.ok("POST", "/orgs", "alice", json={"slug": slug}, status=201)
        for name, role in (("carol", "admin"), ("dave", "viewer")):
            body = {"email": self.email(name), "role": role}
            self.ok("POST", f"/orgs/{slug}/members", "alice", json=body, status=201)
        steps = {"pending": [], "active": ["approve"], "suspended": ["approve", "suspend"]}
        for action in steps[status]:
            self.ok("POST", f"/orgs/{slug}/{action}")
        return slug


def build_world(rt: Runtime, stack: ExitStack) -> AdminWorld:
    client, root_id = start_platform(rt, stack)
    world = AdminWorld(rt, client, stack, ids={"root": root_id})
    world.tokens["root"] = mint_token(rt, root_id)
    world.sign_up("alice", "shop")
    world.sign_up("bob", "mart")
    world.sign_up("carol", "carol-co")
    world.sign_up("dave", "dave-co")
    world.ok("POST", "/orgs/shop/approve")
    world.ok("POST", "/orgs/mart/approve")
    world.ok("PUT", "/orgs/shop/tier", json={"tier": "pro"})
    for name, role in (("carol", "admin"), ("dave", "viewer")):
        body = {"email": world.email(name), "role": role}
        world.ok("POST", "/orgs/shop/members", "alice", json=body, status=201)
    world.add_app("shop", "shop-web", who="alice")
    world.customer_ids["cora"] = world.add_customer(
        "shop", "cora@shop.example", CUSTOMER_PASSWORD, who="carol"
    )
    world.add_app("mart", "mart-web", MART_REDIRECT, who="bob")
    world.customer_ids["max"] = world.add_customer(
        "mart", "max@mart.example", CUSTOMER_PASSWORD, who="bob"
    )
    return world


def create_tenant_directly(rt: Runtime, slug: str) -> Tenant:
    """A tenant made outside the admin API, as ``idgate tenant create`` on the host does."""
    return provision_tenant(rt, slug)
