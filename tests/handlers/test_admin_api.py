"""The admin API (functions/admin, JSON under /api/v1) end to end, on SQLite and PostgreSQL.

Who may call what (every endpoint x every role x bad credentials), the organization
lifecycle and what it does to the organization's issuer, tier limits, applications,
customers and their sessions, members, the audit log and its hash chain, the OpenAPI
document, and the issue's "Done means" story. The world the tests start from is described
in ``tests/handlers/admin_fixtures.py``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import text

from functions.admin.app import app as admin_app
from functions.admin.app import router as admin_router
from functions.admin.routes.organizations import POST_SEGMENTS, unknown_org_action
from idgate.control.audit_log import verify_audit_chains
from idgate.control.platform import ADMIN_AUDIENCE, init_platform
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from local.dev.server import build_local_app
from local.server import build_app
from tests.conftest import FakeClock
from tests.flows import Browser, basic, hidden, new_authorization, query_of, token_request
from tests.handlers.admin_fixtures import (
    CUSTOMER_PASSWORD,
    MART_REDIRECT,
    OPERATOR_PASSWORD,
    ROLE_HOLDERS,
    ROOT_EMAIL,
    SHOP_REDIRECT,
    AdminWorld,
    all_tenants,
    build_world,
    create_tenant_directly,
    database_state,
    mint_token,
    open_client,
    start_customer_session,
    start_platform,
    use_cheap_password_hashing,
)
from tests.handlers.upstream_fixtures import add_connection, github_body, link_identity

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_cheap_password_hashing(monkeypatch)


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as clients:
        yield clients


@pytest.fixture
def world(rt: Runtime, stack: ExitStack) -> AdminWorld:
    return build_world(rt, stack)


# --- helpers: the end user's browser, the relying party, the CLI ------------------------


def new_browser(w: AdminWorld, slug: str) -> Browser:
    """A browser with its own cookie jar (its own SSO session)."""
    return Browser(open_client(w.stack, w.client.app), slug)


def sign_in_for_tokens(
    w: AdminWorld,
    slug: str,
    email: str,
    password: str = CUSTOMER_PASSWORD,
    *,
    client_id: str = "shop-web",
    redirect_uri: str = SHOP_REDIRECT,
    browser: Browser | None = None,
) -> dict[str, Any]:
    """The customer signs in through the organization's issuer (code flow with PKCE, with
    consent) and the application exchanges the code; returns the token response."""
    browser = browser or new_browser(w, slug)
    auth = new_authorization(client_id, redirect_uri)
    final = browser.sign_in(auth, email, password)
    assert final.startswith(redirect_uri + "?"), final
    answer = query_of(final)
    assert answer["state"] == auth.state
    response = token_request(
        w.client,
        slug,
        {
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": redirect_uri,
            "code_verifier": auth.verifier,
        },
        basic(client_id, w.secrets[client_id]),
    )
    assert response.status_code == 200, response.text
    tokens = dict(response.json())
    assert {"access_token", "refresh_token", "id_token"} <= set(tokens)
    return tokens


def sign_in_at_mart(w: AdminWorld) -> dict[str, Any]:
    return sign_in_for_tokens(
        w, "mart", "max@mart.example", client_id="mart-web", redirect_uri=MART_REDIRECT
    )


def attempt_sign_in(w: AdminWorld, slug: str, email: str, password: str) -> httpx.Response:
    """Submit the sign-in form of a fresh authorization request; returns the answer."""
    browser = new_browser(w, slug)
    first = browser.authorize(new_authorization("shop-web", SHOP_REDIRECT))
    assert first.status_code == 302, first.text
    return browser.submit_login(first.headers["location"], email, password)


def introspect(w: AdminWorld, slug: str, token: str, client_id: str = "shop-web") -> httpx.Response:
    return w.client.post(
        f"/t/{slug}/introspect",
        data={"token": token},
        headers=basic(client_id, w.secrets[client_id]),
    )


def is_active(w: AdminWorld, slug: str, token: str, client_id: str = "shop-web") -> bool:
    response = introspect(w, slug, token, client_id)
    assert response.status_code == 200, response.text
    return bool(response.json()["active"])


def refresh(
    w: AdminWorld, slug: str, refresh_token: str, client_id: str = "shop-web"
) -> httpx.Response:
    return token_request(
        w.client,
        slug,
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        basic(client_id, w.secrets[client_id]),
    )


def assert_error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = dict(response.json())
    assert body["error"] == error, body
    assert isinstance(body["message"], str) and body["message"], body
    return body


def device_flow_token(
    client: TestClient, stack: ExitStack, email: str, password: str
) -> dict[str, Any]:
    """What ``idgate login`` does: the device flow with client idgate-cli against the
    platform tenant, the operator approving on the verification page in a browser."""
    started = client.post(
        "/t/platform/device_authorization",
        data={"client_id": "idgate-cli", "scope": "openid offline_access"},
    )
    assert started.status_code == 200, started.text
    codes = started.json()
    assert codes["verification_uri"] == "http://testserver/t/platform/device"
    browser = Browser(open_client(stack, client.app), "platform")
    first = browser.get(f"/t/platform/device?user_code={codes['user_code']}")
    assert first.status_code == 302 and first.headers["location"].startswith("/t/platform/login")
    signed_in = browser.submit_login(first.headers["location"], email, password)
    assert signed_in.status_code in (302, 303), signed_in.text
    confirm = browser.get(signed_in.headers["location"])
    assert confirm.status_code == 200 and "idgate CLI" in confirm.text, confirm.text
    done = browser.post(
        "/t/platform/device",
        {
            "csrf_token": hidden(confirm.text, "csrf_token"),
            "user_code": hidden(confirm.text, "user_code"),
            "decision": "approve",
        },
    )
    assert done.status_code == 200, done.text
    polled = token_request(
        client,
        "platform",
        {
            "grant_type": DEVICE_GRANT,
            "device_code": codes["device_code"],
            "client_id": "idgate-cli",
        },
    )
    assert polled.status_code == 200, polled.text
    return dict(polled.json())


def audit_events(w: AdminWorld, path: str, who: str, **params: Any) -> list[dict[str, Any]]:
    """Every event of an audit listing, following the cursor."""
    events: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": params.get("limit", 200)}
        if cursor:
            query["cursor"] = cursor
        page = w.ok("GET", path, who, params=query)
        events += page["events"]
        cursor = page["next_cursor"]
        if cursor is None:
            return events


# --- the endpoint table ----------------------------------------------------------------

EVERYONE = frozenset(ROLE_HOLDERS)
READERS = frozenset({"platform", "owner", "admin", "viewer"})
WRITERS = frozenset({"platform", "owner", "admin"})
OWNERS = frozenset({"platform", "owner"})
PLATFORM = frozenset({"platform"})

Target = Callable[[AdminWorld], dict[str, str]]


def shop(w: AdminWorld) -> dict[str, str]:
    return {"slug": "shop", "client_id": "shop-web", "customer_id": w.customer_ids["cora"]}


def org_in(status: str) -> Target:
    def target(w: AdminWorld) -> dict[str, str]:
        return {"slug": w.new_org(status)}

    return target


def new_slug(w: AdminWorld) -> dict[str, str]:
    return {"new_slug": w.unique("neworg")}


def invitee(w: AdminWorld) -> dict[str, str]:
    return {**shop(w), "invitee": w.email(w.new_operator())}


def member(w: AdminWorld) -> dict[str, str]:
    name = w.new_operator()
    body = {"email": w.email(name), "role": "viewer"}
    w.ok("POST", "/orgs/shop/members", json=body, status=201)
    return {**shop(w), "operator_id": w.ids[name]}


def new_client_id(w: AdminWorld) -> dict[str, str]:
    return {**shop(w), "new_client_id": w.unique("app")}


def app(w: AdminWorld) -> dict[str, str]:
    client_id = w.unique("app")
    w.add_app("shop", client_id)
    return {**shop(w), "client_id": client_id}


def new_email(w: AdminWorld) -> dict[str, str]:
    return {**shop(w), "new_email": f"{w.unique('new')}@shop.example"}


def customer(w: AdminWorld) -> dict[str, str]:
    return {**shop(w), "customer_id": w.add_customer("shop", f"{w.unique('c')}@shop.example")}


def new_connection_id(w: AdminWorld) -> dict[str, str]:
    return {**shop(w), "connection_id": w.unique("conn")}


def connection(w: AdminWorld) -> dict[str, str]:
    values = new_connection_id(w)
    add_connection(w, "shop", values["connection_id"])
    return values


def linked_identity(w: AdminWorld) -> dict[str, str]:
    """A customer with a password and one linked account (which may be unlinked)."""
    values = connection(w)
    email = f"{w.unique('linked')}@shop.example"
    customer_id = w.add_customer("shop", email, CUSTOMER_PASSWORD)
    identity_id = link_identity(w.rt, "shop", customer_id, values["connection_id"])
    return {**values, "customer_id": customer_id, "identity_id": identity_id}


def disabled_customer(w: AdminWorld) -> dict[str, str]:
    values = customer(w)
    w.ok("POST", f"/orgs/shop/customers/{values['customer_id']}/disable")
    return values


def session(w: AdminWorld) -> dict[str, str]:
    values = customer(w)
    values["session_id"] = start_customer_session(w.rt, "shop", values["customer_id"])
    return values


@dataclass(frozen=True)
class Endpoint:
    """One admin route: who may call it and with what it succeeds. ``target`` prepares what
    one call acts on (a fresh resource for calls that change or delete it)."""

    method: str
    path: str  # the route template, as in the OpenAPI document
    allowed: frozenset[str]
    status: int = 200
    body: dict[str, Any] | None = None
    target: Target = shop
    fixed: dict[str, str] = field(default_factory=dict)

    @property
    def org_scoped(self) -> bool:
        return "{slug}" in self.path

    def __str__(self) -> str:
        extra = "".join(f" {k}={v}" for k, v in self.fixed.items())
        return f"{self.method} {self.path}{extra}"


ENDPOINTS = [
    Endpoint("GET", "/me", EVERYONE),
    Endpoint("POST", "/orgs", EVERYONE, 201, {"slug": "{new_slug}"}, new_slug),
    Endpoint("GET", "/orgs", EVERYONE),
    Endpoint("GET", "/orgs/{slug}", READERS),
    Endpoint("PUT", "/orgs/{slug}/tier", PLATFORM, body={"tier": "enterprise"}),
    Endpoint("DELETE", "/orgs/{slug}", PLATFORM, 204, target=org_in("active")),
    Endpoint("POST", "/orgs/{slug}/approve", PLATFORM, target=org_in("pending")),
    Endpoint("POST", "/orgs/{slug}/reject", PLATFORM, target=org_in("pending")),
    Endpoint("POST", "/orgs/{slug}/suspend", PLATFORM, target=org_in("active")),
    Endpoint("POST", "/orgs/{slug}/reactivate", PLATFORM, target=org_in("suspended")),
    Endpoint("GET", "/orgs/{slug}/settings", READERS),
    Endpoint("PATCH", "/orgs/{slug}/settings", WRITERS, body={"session_days": 14}),
    Endpoint("GET", "/tiers", EVERYONE),
    Endpoint("PATCH", "/tiers/{name}", PLATFORM, body={"byo_oauth_allowed": True},
             fixed={"name": "enterprise"}),
    Endpoint("GET", "/orgs/{slug}/members", READERS),
    Endpoint("POST", "/orgs/{slug}/members", OWNERS, 201,
             {"email": "{invitee}", "role": "viewer"}, invitee),
    Endpoint("DELETE", "/orgs/{slug}/members/{operator_id}", OWNERS, 204, target=member),
    Endpoint("GET", "/orgs/{slug}/apps", READERS),
    Endpoint("POST", "/orgs/{slug}/apps", WRITERS, 201,
             {"client_id": "{new_client_id}", "redirect_uris": [SHOP_REDIRECT]}, new_client_id),
    Endpoint("GET", "/orgs/{slug}/apps/{client_id}", READERS),
    Endpoint("PATCH", "/orgs/{slug}/apps/{client_id}", WRITERS, body={"name": "Renamed"},
             target=app),
    Endpoint("POST", "/orgs/{slug}/apps/{client_id}/rotate-secret", WRITERS, target=app),
    Endpoint("DELETE", "/orgs/{slug}/apps/{client_id}", WRITERS, 204, target=app),
    Endpoint("GET", "/orgs/{slug}/connections", READERS),
    Endpoint("GET", "/orgs/{slug}/connections/{connection_id}", READERS, target=connection),
    Endpoint("PUT", "/orgs/{slug}/connections/{connection_id}", WRITERS, 201, github_body(),
             new_connection_id),
    Endpoint("DELETE", "/orgs/{slug}/connections/{connection_id}", WRITERS, 204,
             target=connection),
    Endpoint("GET", "/orgs/{slug}/keys", READERS),
    # Immediate, so that every allowed caller rotates again (a pending rotation is a 409).
    Endpoint("POST", "/orgs/{slug}/keys/rotate", OWNERS, body={"immediate": True}),
    Endpoint("GET", "/orgs/{slug}/customers", READERS),
    Endpoint("POST", "/orgs/{slug}/customers", WRITERS, 201, {"email": "{new_email}"},
             new_email),
    Endpoint("GET", "/orgs/{slug}/customers/{customer_id}", READERS),
    Endpoint("POST", "/orgs/{slug}/customers/{customer_id}/{action}", WRITERS,
             target=customer, fixed={"action": "disable"}),
    Endpoint("POST", "/orgs/{slug}/customers/{customer_id}/{action}", WRITERS,
             target=disabled_customer, fixed={"action": "enable"}),
    Endpoint("DELETE", "/orgs/{slug}/customers/{customer_id}/sessions", WRITERS,
             target=session),
    Endpoint("DELETE", "/orgs/{slug}/customers/{customer_id}/sessions/{session_id}", WRITERS,
             204, target=session),
    Endpoint("DELETE", "/orgs/{slug}/customers/{customer_id}/identities/{identity_id}",
             WRITERS, 204, target=linked_identity),
    Endpoint("DELETE", "/orgs/{slug}/customers/{customer_id}", WRITERS, 204, target=customer),
    Endpoint("GET", "/orgs/{slug}/audit", READERS),
    Endpoint("GET", "/audit", PLATFORM),
]  # fmt: skip


def fill(template: Any, values: dict[str, str]) -> Any:
    if isinstance(template, str):
        return template.format_map(values)
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    if isinstance(template, dict):
        return {key: fill(item, values) for key, item in template.items()}
    return template


def call(
    w: AdminWorld, endpoint: Endpoint, who: str | None, values: dict[str, str], **kw: Any
) -> httpx.Response:
    values = {**values, **endpoint.fixed}
    return w.call(
        endpoint.method,
        fill(endpoint.path, values),
        who,
        json=fill(endpoint.body, values),
        **kw,
    )


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def check_endpoint(w: AdminWorld, endpoint: Endpoint) -> list[str]:
    """Denied callers first, all on one target, which must come out unchanged; then each
    allowed caller on a fresh target."""
    failures = []
    values = endpoint.target(w)
    before = database_state(w.rt)
    for role, who in ROLE_HOLDERS.items():
        if role in endpoint.allowed:
            continue
        response = call(w, endpoint, who, values)
        expected = 404 if endpoint.org_scoped and role == "outsider" else 403
        body = response.json() if response.content else {}
        if response.status_code != expected or not {"error", "message"} <= set(body):
            failures.append(f"{endpoint} as {role}: {response.status_code} {response.text}")
        if role == "outsider" and endpoint.org_scoped:
            ghost = call(w, endpoint, who, {**values, "slug": "no-such-org"})
            if (ghost.status_code, ghost.json()) != (response.status_code, body):
                failures.append(f"{endpoint}: an outsider can tell that the organization exists")
    changed = changed_tables(before, database_state(w.rt))
    if changed:
        failures.append(f"{endpoint}: refused calls changed {changed}")
    for role, who in ROLE_HOLDERS.items():
        if role not in endpoint.allowed:
            continue
        response = call(w, endpoint, who, endpoint.target(w))
        if response.status_code != endpoint.status:
            failures.append(f"{endpoint} as {role}: {response.status_code} {response.text}")
    return failures


# --- permission boundaries -------------------------------------------------------------


def test_every_endpoint_admits_exactly_the_roles_rbac_grants_and_hides_other_orgs(
    world: AdminWorld,
) -> None:
    """Platform owner everywhere; owner/admin/viewer per rbac.py (403 without the
    permission, nothing changed); a member of another organization gets the same 404 as for
    an organization that does not exist; platform-only endpoints 403 for org members."""
    failures = [failure for endpoint in ENDPOINTS for failure in check_endpoint(world, endpoint)]

    assert not failures, "\n".join(failures)


def test_every_endpoint_answers_401_without_a_valid_admin_access_token(
    rt: Runtime, clock: FakeClock, stack: ExitStack
) -> None:
    client, root_id = start_platform(rt, stack)
    other = create_tenant_directly(rt, "other")
    valid = mint_token(rt, root_id)
    credentials = {
        "no Authorization header": None,
        "garbage bearer token": "Bearer not-a-token",
        "Basic credentials": basic(ROOT_EMAIL, OPERATOR_PASSWORD)["Authorization"],
        "token of a non-platform tenant": f"Bearer {mint_token(rt, root_id, tenant=other)}",
        "token for another audience": f"Bearer {mint_token(rt, root_id, audience=None)}",
        "expired token": f"Bearer {mint_token(rt, root_id, ttl=60)}",
    }
    clock.advance(61)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {valid}"})
    assert me.status_code == 200 and me.json()["platform_owner"] is True  # the control sample
    names = ("slug", "client_id", "customer_id", "session_id", "operator_id", "invitee")
    names += ("connection_id", "identity_id")
    placeholders = dict.fromkeys(names, "x") | {
        "new_slug": "neworg",
        "new_client_id": "app",
        "new_email": "x@shop.example",
    }
    failures = []
    for endpoint in ENDPOINTS:
        values = {**placeholders, **endpoint.fixed}
        for name, authorization in credentials.items():
            response = client.request(
                endpoint.method,
                "/api/v1" + fill(endpoint.path, values),
                json=fill(endpoint.body, values),
                headers={"Authorization": authorization} if authorization else {},
            )
            body = response.json()
            if (
                response.status_code != 401
                or body.get("error") != "unauthorized"
                or not (body.get("message"))
            ):
                failures.append(f"{endpoint} with {name}: {response.status_code} {body}")

    assert not failures, "\n".join(failures)


def test_endpoint_table_covers_every_admin_route_in_the_openapi_document() -> None:
    response = TestClient(admin_app).get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    documented = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert all(path.startswith("/api/v1/") for path in document["paths"])
    tested = {(endpoint.method, endpoint.path) for endpoint in ENDPOINTS} | {("POST", "/signup")}
    assert documented == tested
    assert {"/api/v1/orgs/{slug}/apps", "/api/v1/orgs/{slug}/customers", "/api/v1/audit"} <= set(
        document["paths"]
    )
    assert "ApplicationIn" in document["components"]["schemas"]


def test_org_list_shows_each_operator_only_their_organizations(world: AdminWorld) -> None:
    def slugs(who: str, **params: str) -> list[str]:
        return [org["slug"] for org in world.ok("GET", "/orgs", who, params=params)]

    assert slugs("bob") == ["mart"]
    assert slugs("alice") == ["shop"]
    assert slugs("carol") == ["carol-co", "shop"]
    assert slugs("root") == ["carol-co", "dave-co", "mart", "shop"]
    assert slugs("root", status="pending") == ["carol-co", "dave-co"]
    me = world.ok("GET", "/me", "carol")
    assert me["platform_owner"] is False
    assert me["organizations"][world.tenant_id("shop")] == "admin"
    assert world.tenant_id("mart") not in me["organizations"]


def test_shop_operators_cannot_reach_mart_resources_through_shop_paths(world: AdminWorld) -> None:
    """Resource ids of another organization under one's own organization's path are 404,
    and nothing of the other organization changes."""
    max_id = world.customer_ids["max"]
    mart_session = start_customer_session(world.rt, "mart", max_id)
    before = database_state(world.rt)
    attempts = [
        ("GET", "/orgs/shop/apps/mart-web", None),
        ("PATCH", "/orgs/shop/apps/mart-web", {"name": "pwned"}),
        ("POST", "/orgs/shop/apps/mart-web/rotate-secret", None),
        ("DELETE", "/orgs/shop/apps/mart-web", None),
        ("GET", f"/orgs/shop/customers/{max_id}", None),
        ("POST", f"/orgs/shop/customers/{max_id}/disable", None),
        ("DELETE", f"/orgs/shop/customers/{max_id}/sessions", None),
        ("DELETE", f"/orgs/shop/customers/{max_id}/sessions/{mart_session}", None),
        (
            "DELETE",
            f"/orgs/shop/customers/{world.customer_ids['cora']}/sessions/{mart_session}",
            None,
        ),
        ("DELETE", f"/orgs/shop/customers/{max_id}", None),
        ("DELETE", f"/orgs/shop/members/{world.ids['bob']}", None),
    ]
    for method, path, body in attempts:
        response = world.call(method, path, "alice", json=body)
        assert_error(response, 404, "not_found")
    listed = world.ok("GET", "/orgs/shop/customers", "alice", params={"q": "max"})
    assert listed["customers"] == []
    assert database_state(world.rt) == before


# --- device flow for operators --------------------------------------------------------


def test_operators_get_admin_api_tokens_through_the_device_flow(world: AdminWorld) -> None:
    root_tokens = device_flow_token(world.client, world.stack, ROOT_EMAIL, OPERATOR_PASSWORD)
    alice_tokens = device_flow_token(
        world.client, world.stack, world.email("alice"), OPERATOR_PASSWORD
    )

    claims = jwt.decode(root_tokens["access_token"], options={"verify_signature": False})
    assert claims["aud"] == ADMIN_AUDIENCE and claims["iss"] == "http://testserver/t/platform"
    root_headers = {"Authorization": f"Bearer {root_tokens['access_token']}"}
    alice_headers = {"Authorization": f"Bearer {alice_tokens['access_token']}"}
    root_me = world.client.get("/api/v1/me", headers=root_headers).json()
    alice_me = world.client.get("/api/v1/me", headers=alice_headers).json()
    assert root_me["email"] == ROOT_EMAIL and root_me["platform_owner"] is True
    assert alice_me["organizations"] == {world.tenant_id("shop"): "owner"}
    apps = world.client.get("/api/v1/orgs/shop/apps", headers=alice_headers)
    assert [a["client_id"] for a in apps.json()] == ["shop-web"]
    assert_error(
        world.client.get("/api/v1/orgs/mart/apps", headers=alice_headers), 404, "not_found"
    )


# --- organizations: sign-up, approval, suspension --------------------------------------


def test_signed_up_org_is_pending_and_its_issuer_refuses_requests_until_approved(
    world: AdminWorld,
) -> None:
    org = world.sign_up("erin", "bakery")

    assert org == {
        "slug": "bakery",
        "name": "Bakery Ltd",
        "status": "pending",
        "tier": "free",
        "issuer": "http://testserver/t/bakery",
    }
    discovery = world.client.get("/t/bakery/.well-known/openid-configuration")
    assert_error(discovery, 403, "invalid_request")
    assert world.client.get("/t/bakery/authorize", params={"client_id": "x"}).status_code == 403
    assert world.ok("GET", "/orgs/bakery", "erin")["status"] == "pending"
    assert_error(world.call("POST", "/orgs/bakery/approve", "erin"), 403, "forbidden")

    approved = world.ok("POST", "/orgs/bakery/approve")

    assert approved["status"] == "active"
    discovery = world.client.get("/t/bakery/.well-known/openid-configuration")
    assert discovery.status_code == 200
    assert discovery.json()["issuer"] == "http://testserver/t/bakery"
    actions = [e["action"] for e in audit_events(world, "/orgs/bakery/audit", "erin")]
    assert actions == ["org.approved", "org.signed_up"]


def test_sign_up_rejects_taken_reserved_and_malformed_input_and_keeps_nothing(
    world: AdminWorld,
) -> None:
    def sign_up(email: str, slug: str, password: str = OPERATOR_PASSWORD) -> httpx.Response:
        body = {"email": email, "password": password, "organization": {"slug": slug}}
        return world.call("POST", "/signup", None, json=body)

    assert_error(sign_up("erin@operators.example", "shop"), 409, "conflict")
    assert_error(sign_up(world.email("alice"), "bakery"), 409, "conflict")
    assert_error(sign_up("erin@operators.example", "platform"), 400, "validation_failed")
    assert_error(sign_up("erin@operators.example", "api"), 400, "validation_failed")
    assert_error(sign_up("erin@operators.example", "Not A Slug"), 400, "validation_failed")
    assert_error(sign_up("not-an-email", "bakery"), 400, "validation_failed")
    assert_error(sign_up("erin@operators.example", "bakery", "short"), 400, "invalid_request")

    # None of the refused sign-ups left an account or an organization behind.
    assert sign_up("erin@operators.example", "bakery").status_code == 201


def test_rejected_org_stays_closed_and_cannot_be_approved_later(world: AdminWorld) -> None:
    world.sign_up("erin", "bakery")

    rejected = world.ok("POST", "/orgs/bakery/reject")

    assert rejected["status"] == "rejected"
    assert_error(world.call("POST", "/orgs/bakery/approve"), 409, "conflict")
    assert world.client.get("/t/bakery/.well-known/openid-configuration").status_code == 403
    assert [o["slug"] for o in world.ok("GET", "/orgs", params={"status": "rejected"})] == [
        "bakery"
    ]


def test_status_changes_that_do_not_follow_the_lifecycle_conflict(world: AdminWorld) -> None:
    """pending -> active | rejected; active -> suspended -> active; nothing else."""
    invalid = {
        "pending": ["suspend", "reactivate"],
        "active": ["approve", "reject", "reactivate"],
        "suspended": ["approve", "reject", "suspend"],
        "rejected": ["approve", "reject", "suspend", "reactivate"],
    }
    for status, actions in invalid.items():
        slug = world.new_org("pending" if status == "rejected" else status)
        if status == "rejected":
            world.ok("POST", f"/orgs/{slug}/reject")
        for action in actions:
            body = assert_error(world.call("POST", f"/orgs/{slug}/{action}"), 409, "conflict")
            assert status in body["message"], (status, action, body)
        assert world.ok("GET", f"/orgs/{slug}")["status"] == status


def test_status_change_of_an_unknown_org_or_with_an_unknown_action_fails(
    world: AdminWorld,
) -> None:
    assert_error(world.call("POST", "/orgs/no-such-org/approve"), 404, "not_found")
    assert_error(world.call("POST", "/orgs/platform/suspend"), 404, "not_found")
    assert_error(world.call("POST", "/orgs/shop/destroy"), 400, "invalid_request")


def test_unknown_org_action_paths_answer_the_same_json_errors_and_never_500(
    world: AdminWorld,
) -> None:
    """What the admin API answered when one route served every ``/orgs/{slug}/{action}``:
    an unknown action POSTed is a malformed request (after authentication, whoever asks and
    whichever organization), another method on such a path is 405, a path no route serves
    is 404; always the JSON error body."""
    for who in ROLE_HOLDERS.values():
        for path in ("/orgs/shop/destroy", "/orgs/no-such-org/destroy", "/orgs/shop/Approve"):
            assert_error(world.call("POST", path, who), 400, "invalid_request")
    for sub_path in ("tier", "audit", "approve-now", "membersx"):
        assert_error(world.call("POST", f"/orgs/shop/{sub_path}"), 400, "invalid_request")
    assert_error(world.call("POST", "/orgs/shop/destroy", None), 401, "unauthorized")
    for method in ("GET", "PUT", "PATCH", "DELETE"):
        assert_error(world.call(method, "/orgs/shop/destroy"), 405, "method_not_allowed")
        assert_error(world.call(method, "/orgs/shop/approve"), 405, "method_not_allowed")
    for path in ("/orgs/shop/destroy/now", "/orgs/shop/apps/shop-web/secret", "/nothing"):
        assert_error(world.call("POST", path), 404, "not_found")
        assert_error(world.call("GET", path), 404, "not_found")
    assert world.ok("GET", "/orgs/shop")["status"] == "active"


def test_the_unknown_org_action_route_shadows_no_served_route() -> None:
    """The 400 route for unknown actions matches no path another POST route serves, so the
    routers' order does not matter."""
    prefix = "/api/v1/orgs/{slug}/"
    served = {
        route.path.removeprefix(prefix)
        for route in admin_router.routes
        if isinstance(route, APIRoute) and "POST" in route.methods
        if route.path.startswith(prefix) and route.endpoint is not unknown_org_action
    }
    last_segments = {path for path in served if "/" not in path and "{" not in path}
    assert last_segments == set(POST_SEGMENTS)
    (fallback,) = [
        r for r in admin_router.routes if getattr(r, "endpoint", None) is unknown_org_action
    ]
    assert isinstance(fallback, APIRoute)
    for path in served:
        concrete = "/api/v1/orgs/shop/" + path.replace("{client_id}", "app").replace(
            "{customer_id}", "cust"
        ).replace("{action}", "disable")
        assert fallback.path_regex.match(concrete) is None, concrete
    assert fallback.path_regex.match("/api/v1/orgs/shop/destroy") is not None


def test_suspended_org_refuses_authorization_and_token_requests_and_its_tokens_die(
    world: AdminWorld,
) -> None:
    tokens = sign_in_for_tokens(world, "shop", "cora@shop.example")
    assert is_active(world, "shop", tokens["access_token"])

    assert world.ok("POST", "/orgs/shop/suspend")["status"] == "suspended"

    authorize = new_browser(world, "shop").authorize(new_authorization("shop-web", SHOP_REDIRECT))
    assert authorize.status_code == 403
    assert "not active" in authorize.text
    assert_error(refresh(world, "shop", tokens["refresh_token"]), 403, "invalid_request")
    assert_error(introspect(world, "shop", tokens["access_token"]), 403, "invalid_request")
    assert_error(
        world.client.get("/t/shop/.well-known/openid-configuration"), 403, "invalid_request"
    )
    assert world.ok("GET", "/orgs/shop", "dave")["status"] == "suspended"
    assert is_active(world, "mart", sign_in_at_mart(world)["access_token"], "mart-web")

    assert world.ok("POST", "/orgs/shop/reactivate")["status"] == "active"

    assert refresh(world, "shop", tokens["refresh_token"]).status_code == 200
    actions = [e["action"] for e in audit_events(world, "/orgs/shop/audit", "alice")]
    assert actions[:2] == ["org.reactivated", "org.suspended"]


def test_deleting_an_org_removes_it_with_its_data_and_keeps_the_fact_in_the_platform_log(
    world: AdminWorld,
) -> None:
    tokens = sign_in_for_tokens(world, "shop", "cora@shop.example")

    response = world.call("DELETE", "/orgs/shop")

    assert response.status_code == 204
    assert_error(world.call("GET", "/orgs/shop"), 404, "not_found")
    assert_error(world.call("GET", "/orgs/shop/apps", "alice"), 404, "not_found")
    assert world.client.get("/t/shop/.well-known/openid-configuration").status_code == 404
    assert (
        token_request(
            world.client,
            "shop",
            {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        ).status_code
        == 404
    )
    deleted = audit_events(world, "/audit", "root", action="org.deleted")
    assert [e["target"] for e in deleted] == ["shop"]
    assert world.ok("GET", "/me", "alice")["organizations"] == {}
    with all_tenants(), database.read(world.rt.engine) as conn:
        for table in ("clients", "customers", "sessions", "memberships", "audit_events"):
            count = conn.execute(
                text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t"),
                {"t": deleted[0]["details"]["tenant_id"]},
            ).scalar_one()
            assert count == 0, table
    assert world.ok("GET", "/orgs/mart", "bob")["status"] == "active"


# --- tiers --------------------------------------------------------------------------------


def test_set_tier_changes_the_application_limit_with_a_clear_error_when_reached(
    world: AdminWorld,
) -> None:
    assert world.ok("PUT", "/orgs/shop/tier", json={"tier": "free"})["tier"] == "free"
    world.add_app("shop", "second", who="alice")
    world.add_app("shop", "third", who="carol")

    refused = world.call(
        "POST",
        "/orgs/shop/apps",
        "alice",
        json={"client_id": "fourth", "redirect_uris": [SHOP_REDIRECT]},
    )

    body = assert_error(refused, 403, "limit_reached")
    assert "free tier allows 3 applications" in body["message"]
    assert len(world.ok("GET", "/orgs/shop/apps", "alice")) == 3
    world.ok("PUT", "/orgs/shop/tier", json={"tier": "pro"})
    world.add_app("shop", "fourth", who="alice")
    changes = audit_events(world, "/orgs/shop/audit", "alice", action="org.tier_changed")
    assert [e["details"] for e in changes] == [
        {"from": "free", "to": "pro"},
        {"from": "pro", "to": "free"},
        {"from": "free", "to": "pro"},
    ]
    assert_error(
        world.call("PUT", "/orgs/shop/tier", json={"tier": "gold"}), 400, "invalid_request"
    )
    assert_error(world.call("PUT", "/orgs/nope/tier", json={"tier": "pro"}), 404, "not_found")


@pytest.mark.parametrize(
    "uri",
    ["https://[x", "https://exa mple.com/cb", "https://shop.example:port/cb", "https://a\x00b/"],
)
def test_a_malformed_redirect_uri_is_a_clear_400_naming_it_not_a_500(
    world: AdminWorld, uri: str
) -> None:
    for uri_field in ("redirect_uris", "post_logout_redirect_uris"):
        body = {"client_id": "bad", "redirect_uris": [SHOP_REDIRECT], uri_field: [uri]}
        refused = world.call("POST", "/orgs/shop/apps", "alice", json=body)
        assert uri in assert_error(refused, 400, "validation_failed")["message"]
    assert "bad" not in {app["client_id"] for app in world.ok("GET", "/orgs/shop/apps", "alice")}


def test_platform_owner_changes_tier_limits_and_they_apply_at_once(world: AdminWorld) -> None:
    listed = {t["name"]: t for t in world.ok("GET", "/tiers", "dave")}
    assert listed["free"] == {
        "name": "free",
        "max_applications": 3,
        "max_monthly_active_customers": 1000,
        "byo_oauth_allowed": False,
    }
    assert set(listed) == {"free", "pro", "enterprise"}

    updated = world.ok("PATCH", "/tiers/pro", json={"max_applications": 1})

    assert updated == {**listed["pro"], "max_applications": 1}
    assert {t["name"]: t for t in world.ok("GET", "/tiers")}["pro"]["max_applications"] == 1
    refused = world.call(
        "POST",
        "/orgs/shop/apps",
        "alice",
        json={"client_id": "second", "redirect_uris": [SHOP_REDIRECT]},
    )
    assert_error(refused, 403, "limit_reached")
    limits_changed = audit_events(world, "/audit", "root", action="tier.limits_changed")
    assert limits_changed[0]["target"] == "pro"
    assert limits_changed[0]["details"]["before"]["max_applications"] == 25
    assert limits_changed[0]["details"]["after"]["max_applications"] == 1
    assert_error(
        world.call("PATCH", "/tiers/pro", json={"max_applications": -1}), 400, "validation_failed"
    )
    assert_error(world.call("PATCH", "/tiers/gold", json={"max_applications": 5}), 404, "not_found")


def test_monthly_active_customer_limit_refuses_a_new_customers_sign_in(
    world: AdminWorld,
) -> None:
    world.ok("PATCH", "/tiers/pro", json={"max_monthly_active_customers": 1})
    world.add_customer("shop", "cody@shop.example", CUSTOMER_PASSWORD, who="carol")
    sign_in_for_tokens(world, "shop", "cora@shop.example")

    refused = attempt_sign_in(world, "shop", "cody@shop.example", CUSTOMER_PASSWORD)

    assert refused.status_code == 403
    assert "monthly active customer limit" in refused.text
    assert "limit_reached" in refused.text
    # Cora is this month's active customer already: she still gets in.
    sign_in_for_tokens(world, "shop", "cora@shop.example")
    world.ok("PATCH", "/tiers/pro", json={"max_monthly_active_customers": 2})
    sign_in_for_tokens(world, "shop", "cody@shop.example")


# --- applications ---------------------------------------------------------------------


def test_applications_are_created_read_updated_and_deleted_with_the_secret_shown_once(
    world: AdminWorld,
) -> None:
    created = world.ok(
        "POST",
        "/orgs/shop/apps",
        "carol",
        json={
            "client_id": "shop-spa",
            "name": "Shop SPA",
            "client_type": "public",
            "redirect_uris": ["http://127.0.0.1:5173/callback"],
            "grants": ["authorization_code", "refresh_token"],
            "scopes": ["openid", "email"],
            "id_token_alg": "ES256",
        },
        status=201,
    )
    assert created == {
        "client_id": "shop-spa",
        "name": "Shop SPA",
        "client_type": "public",
        "redirect_uris": ["http://127.0.0.1:5173/callback"],
        "post_logout_redirect_uris": [],
        "grants": ["authorization_code", "refresh_token"],
        "scopes": ["openid", "email"],
        "id_token_alg": "ES256",
        "client_secret": None,
    }
    confidential = world.add_app("shop", "shop-api", who="carol")
    assert len(confidential["client_secret"]) >= 32
    assert world.ok("GET", "/orgs/shop/apps/shop-api", "dave")["client_secret"] is None
    listed = world.ok("GET", "/orgs/shop/apps", "dave")
    assert [a["client_id"] for a in listed] == ["shop-api", "shop-spa", "shop-web"]

    patched = world.ok(
        "PATCH",
        "/orgs/shop/apps/shop-spa",
        "carol",
        json={"name": "Shop App", "redirect_uris": ["https://shop.example/spa"]},
    )

    assert patched["name"] == "Shop App"
    assert patched["redirect_uris"] == ["https://shop.example/spa"]
    assert world.ok("GET", "/orgs/shop/apps/shop-spa", "dave") == patched
    assert_error(
        world.call(
            "POST",
            "/orgs/shop/apps",
            "carol",
            json={"client_id": "shop-spa", "redirect_uris": [SHOP_REDIRECT]},
        ),
        409,
        "conflict",
    )
    assert world.call("DELETE", "/orgs/shop/apps/shop-spa", "carol").status_code == 204
    assert_error(world.call("GET", "/orgs/shop/apps/shop-spa", "carol"), 404, "not_found")
    assert_error(world.call("DELETE", "/orgs/shop/apps/shop-spa", "carol"), 404, "not_found")
    actions = [e["action"] for e in audit_events(world, "/orgs/shop/audit", "dave")]
    assert actions[:4] == ["app.deleted", "app.updated", "app.created", "app.created"]


def test_application_settings_are_validated_on_create_and_update(world: AdminWorld) -> None:
    def create(**fields: Any) -> httpx.Response:
        body = {"client_id": "new-app", "redirect_uris": [SHOP_REDIRECT], **fields}
        return world.call("POST", "/orgs/shop/apps", "alice", json=body)

    invalid = {
        "relative redirect URI": {"redirect_uris": ["/callback"]},
        "redirect URI with a fragment": {"redirect_uris": ["https://shop.example/cb#top"]},
        "empty fragment": {"redirect_uris": ["https://shop.example/cb#"]},
        "http on a public host": {"redirect_uris": ["http://shop.example/callback"]},
        "unknown scheme": {"redirect_uris": ["javascript:alert(1)"]},
        "unknown grant": {"grants": ["password"]},
        "code flow without redirect URI": {"redirect_uris": []},
        "public client with client_credentials": {
            "client_type": "public",
            "grants": ["client_credentials"],
        },
        "unsupported scope": {"scopes": ["openid", "admin"]},
        "bad post-logout URI": {"post_logout_redirect_uris": ["http://shop.example/bye"]},
    }
    for case, fields in invalid.items():
        body = assert_error(create(**fields), 400, "validation_failed")
        assert body["message"], case
    assert_error(create(client_type="robot"), 400, "invalid_request")
    assert_error(create(id_token_alg="none"), 400, "invalid_request")
    assert_error(
        world.call(
            "PATCH",
            "/orgs/shop/apps/shop-web",
            "alice",
            json={"redirect_uris": ["http://shop.example/callback"]},
        ),
        400,
        "validation_failed",
    )
    assert_error(
        world.call("PATCH", "/orgs/shop/apps/shop-web", "alice", json={"grants": ["implicit"]}),
        400,
        "validation_failed",
    )
    assert world.ok("GET", "/orgs/shop/apps/shop-web")["redirect_uris"] == [SHOP_REDIRECT]
    assert [a["client_id"] for a in world.ok("GET", "/orgs/shop/apps")] == ["shop-web"]
    loopback = ["http://127.0.0.1:8080/cb", "http://localhost/cb", "http://[::1]:9000/cb"]
    assert create(redirect_uris=loopback).status_code == 201


def test_rotating_a_secret_shows_the_new_one_once_and_retires_the_old(world: AdminWorld) -> None:
    created = world.add_app(
        "shop", "shop-api", who="alice", redirect_uris=[], grants=["client_credentials"]
    )
    old = created["client_secret"]

    def client_credentials(secret: str) -> httpx.Response:
        return token_request(
            world.client, "shop", {"grant_type": "client_credentials"}, basic("shop-api", secret)
        )

    assert client_credentials(old).status_code == 200

    rotated = world.ok("POST", "/orgs/shop/apps/shop-api/rotate-secret", "carol")

    new = rotated["client_secret"]
    assert new and new != old and len(new) >= 32
    assert world.ok("GET", "/orgs/shop/apps/shop-api", "carol")["client_secret"] is None
    assert client_credentials(old).status_code == 401
    assert client_credentials(old).json()["error"] == "invalid_client"
    assert client_credentials(new).status_code == 200
    world.ok(
        "POST",
        "/orgs/shop/apps",
        "alice",
        status=201,
        json={"client_id": "shop-spa", "client_type": "public", "redirect_uris": [SHOP_REDIRECT]},
    )
    assert_error(
        world.call("POST", "/orgs/shop/apps/shop-spa/rotate-secret", "alice"),
        400,
        "validation_failed",
    )
    assert_error(world.call("POST", "/orgs/shop/apps/nope/rotate-secret"), 404, "not_found")


# --- customers ------------------------------------------------------------------------


def test_customer_search_by_email_prefix_pages_with_a_cursor(world: AdminWorld) -> None:
    emails = [f"user{i:02d}@shop.example" for i in range(25)]
    for email in random.Random(5).sample(emails, len(emails)):
        world.add_customer("shop", email, who="carol")
    world.add_customer("shop", "other@shop.example", who="carol")

    pages, cursor = [], None
    while True:
        params = {"q": "user", "limit": 10, **({"cursor": cursor} if cursor else {})}
        page = world.ok("GET", "/orgs/shop/customers", "dave", params=params)
        pages.append([c["email"] for c in page["customers"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert [len(p) for p in pages] == [10, 10, 5]
    assert [email for page in pages for email in page] == emails
    everyone = world.ok("GET", "/orgs/shop/customers", "dave", params={"limit": 200})
    assert [c["email"] for c in everyone["customers"]] == sorted(
        [*emails, "other@shop.example", "cora@shop.example"]
    )
    upper = world.ok("GET", "/orgs/shop/customers", "dave", params={"q": "USER1", "limit": 50})
    assert [c["email"] for c in upper["customers"]] == emails[10:20]
    assert world.ok("GET", "/orgs/shop/customers", params={"q": "zz"})["customers"] == []
    bad_cursor = world.call("GET", "/orgs/shop/customers", "dave", params={"cursor": "%%%"})
    assert_error(bad_cursor, 400, "validation_failed")
    for limit in (0, 201):
        over = world.call("GET", "/orgs/shop/customers", "dave", params={"limit": limit})
        assert_error(over, 400, "invalid_request")
    mart = world.ok("GET", "/orgs/mart/customers", "bob")["customers"]
    assert [c["email"] for c in mart] == ["max@mart.example"]


def test_customer_detail_shows_identities_sessions_and_subscriptions_after_sign_in(
    world: AdminWorld, clock: FakeClock
) -> None:
    cora = world.customer_ids["cora"]
    signed_in_at = clock.now
    sign_in_for_tokens(world, "shop", "cora@shop.example")

    detail = world.ok("GET", f"/orgs/shop/customers/{cora}", "dave")

    assert detail["email"] == "cora@shop.example" and detail["disabled"] is False
    assert detail["identities"] == [{"provider": "password", "subject": "cora@shop.example"}]
    assert len(detail["sessions"]) == 1
    assert detail["sessions"][0]["auth_time"] == pytest.approx(signed_in_at)
    [subscription] = detail["subscriptions"]
    assert subscription["client_id"] == "shop-web"
    assert subscription["application"] == "Shop-Web"
    assert set(subscription["scopes"]) == {"openid", "profile", "email", "offline_access"}
    assert subscription["granted_at"] == pytest.approx(signed_in_at)
    assert_error(world.call("GET", "/orgs/shop/customers/nobody", "dave"), 404, "not_found")


def test_revoking_one_session_kills_only_the_tokens_issued_under_it(world: AdminWorld) -> None:
    cora = world.customer_ids["cora"]
    laptop = sign_in_for_tokens(world, "shop", "cora@shop.example")
    first_session = world.ok("GET", f"/orgs/shop/customers/{cora}")["sessions"][0]["id"]
    phone = sign_in_for_tokens(world, "shop", "cora@shop.example")
    assert len(world.ok("GET", f"/orgs/shop/customers/{cora}")["sessions"]) == 2

    response = world.call(
        "DELETE", f"/orgs/shop/customers/{cora}/sessions/{first_session}", "carol"
    )

    assert response.status_code == 204
    sessions = world.ok("GET", f"/orgs/shop/customers/{cora}")["sessions"]
    assert len(sessions) == 1 and sessions[0]["id"] != first_session
    assert not is_active(world, "shop", laptop["access_token"])
    assert_error(refresh(world, "shop", laptop["refresh_token"]), 400, "invalid_grant")
    assert is_active(world, "shop", phone["access_token"])
    assert refresh(world, "shop", phone["refresh_token"]).status_code == 200
    [event] = audit_events(world, "/orgs/shop/audit", "dave", action="session.revoked")
    assert event["actor"] == "operator:carol@operators.example"
    assert event["target"] == cora and event["details"] == {"session_id": first_session}
    assert_error(
        world.call("DELETE", f"/orgs/shop/customers/{cora}/sessions/no-such-session"),
        404,
        "not_found",
    )


def test_revoking_all_sessions_kills_every_token_of_the_customer(world: AdminWorld) -> None:
    cora = world.customer_ids["cora"]
    laptop = sign_in_for_tokens(world, "shop", "cora@shop.example")
    phone = sign_in_for_tokens(world, "shop", "cora@shop.example")

    revoked = world.ok("DELETE", f"/orgs/shop/customers/{cora}/sessions", "carol")

    assert revoked == {"sessions_ended": 2}
    for tokens in (laptop, phone):
        assert not is_active(world, "shop", tokens["access_token"])
        assert not is_active(world, "shop", tokens["refresh_token"])
        assert_error(refresh(world, "shop", tokens["refresh_token"]), 400, "invalid_grant")
        userinfo = world.client.get(
            "/t/shop/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        assert userinfo.status_code == 401
    assert world.ok("GET", f"/orgs/shop/customers/{cora}")["sessions"] == []
    # Sign-in still works: revocation ends sessions, it does not lock the customer out.
    assert is_active(
        world, "shop", sign_in_for_tokens(world, "shop", "cora@shop.example")["access_token"]
    )


def test_disabled_customer_cannot_sign_in_until_enabled_again(world: AdminWorld) -> None:
    cora = world.customer_ids["cora"]
    tokens = sign_in_for_tokens(world, "shop", "cora@shop.example")

    disabled = world.ok("POST", f"/orgs/shop/customers/{cora}/disable", "carol")

    assert disabled["disabled"] is True
    assert not is_active(world, "shop", tokens["access_token"])
    assert_error(refresh(world, "shop", tokens["refresh_token"]), 400, "invalid_grant")
    refused = attempt_sign_in(world, "shop", "cora@shop.example", CUSTOMER_PASSWORD)
    assert refused.status_code == 401
    assert "The email or password is incorrect." in refused.text

    enabled = world.ok("POST", f"/orgs/shop/customers/{cora}/enable", "carol")

    assert enabled["disabled"] is False
    sign_in_for_tokens(world, "shop", "cora@shop.example")
    actions = [e["action"] for e in audit_events(world, "/orgs/shop/audit", "dave")]
    assert actions[:4] == [
        "login.succeeded",
        "customer.enabled",
        "customer.disabled",
        "login.succeeded",
    ]


def test_deleted_customer_is_gone_with_its_tokens(world: AdminWorld) -> None:
    cora = world.customer_ids["cora"]
    tokens = sign_in_for_tokens(world, "shop", "cora@shop.example")

    assert world.call("DELETE", f"/orgs/shop/customers/{cora}", "carol").status_code == 204

    assert_error(world.call("GET", f"/orgs/shop/customers/{cora}"), 404, "not_found")
    assert world.ok("GET", "/orgs/shop/customers", params={"q": "cora"})["customers"] == []
    assert not is_active(world, "shop", tokens["access_token"])
    assert_error(refresh(world, "shop", tokens["refresh_token"]), 400, "invalid_grant")
    assert attempt_sign_in(world, "shop", "cora@shop.example", CUSTOMER_PASSWORD).status_code == 401
    assert_error(world.call("DELETE", f"/orgs/shop/customers/{cora}"), 404, "not_found")
    # The address is free again.
    world.add_customer("shop", "cora@shop.example", who="carol")


def test_adding_a_customer_rejects_duplicate_or_malformed_input(world: AdminWorld) -> None:
    def add(body: dict[str, Any]) -> httpx.Response:
        return world.call("POST", "/orgs/shop/customers", "carol", json=body)

    assert_error(add({"email": "cora@shop.example"}), 409, "conflict")
    assert_error(add({"email": "CORA@Shop.Example"}), 409, "conflict")
    assert_error(add({"email": "no-at-sign"}), 400, "validation_failed")
    assert_error(add({"email": "x@shop.example", "password": "short"}), 400, "invalid_request")
    created = world.ok(
        "POST",
        "/orgs/shop/customers",
        "carol",
        status=201,
        json={"email": "Zoe@Shop.Example", "name": "Zoe"},
    )
    assert created == {
        "id": created["id"],
        "email": "zoe@shop.example",
        "email_verified": True,
        "name": "Zoe",
        "disabled": False,
    }


# --- members --------------------------------------------------------------------------


def test_owners_add_and_remove_members_and_the_last_owner_stays(world: AdminWorld) -> None:
    members = world.ok("GET", "/orgs/shop/members", "dave")
    assert [(m["email"], m["role"]) for m in members] == [
        ("alice@operators.example", "owner"),
        ("carol@operators.example", "admin"),
        ("dave@operators.example", "viewer"),
    ]

    assert (
        world.call("DELETE", f"/orgs/shop/members/{world.ids['dave']}", "alice").status_code == 204
    )

    assert_error(world.call("GET", "/orgs/shop", "dave"), 404, "not_found")
    last_owner = world.call("DELETE", f"/orgs/shop/members/{world.ids['alice']}", "alice")
    assert_error(last_owner, 409, "conflict")
    demote = world.call(
        "POST", "/orgs/shop/members", "alice", json={"email": world.email("alice"), "role": "admin"}
    )
    assert_error(demote, 409, "conflict")
    unknown = world.call(
        "POST", "/orgs/shop/members", "alice", json={"email": "nobody@x.example", "role": "admin"}
    )
    assert_error(unknown, 404, "not_found")
    bad_role = world.call(
        "POST", "/orgs/shop/members", "alice", json={"email": world.email("dave"), "role": "god"}
    )
    assert_error(bad_role, 400, "invalid_request")
    assert_error(world.call("DELETE", "/orgs/shop/members/not-a-member", "alice"), 404, "not_found")

    promoted = world.ok(
        "POST",
        "/orgs/shop/members",
        "alice",
        json={"email": world.email("carol"), "role": "owner"},
        status=201,
    )
    assert promoted["role"] == "owner"
    assert (
        world.call("DELETE", f"/orgs/shop/members/{world.ids['alice']}", "carol").status_code == 204
    )
    assert_error(world.call("GET", "/orgs/shop/members", "alice"), 404, "not_found")
    assert [(m["email"], m["role"]) for m in world.ok("GET", "/orgs/shop/members", "carol")] == [
        ("carol@operators.example", "owner")
    ]
    actions = [e["action"] for e in audit_events(world, "/orgs/shop/audit", "carol")]
    assert actions[:3] == ["member.removed", "member.added", "member.removed"]


# --- audit log ------------------------------------------------------------------------


def test_org_audit_log_records_security_events_and_changes_with_actor_request_id_and_ip(
    world: AdminWorld, clock: FakeClock
) -> None:
    shop_id, mart_id = world.tenant_id("shop"), world.tenant_id("mart")
    cora = world.customer_ids["cora"]
    clock.advance(60)
    assert attempt_sign_in(world, "shop", "cora@shop.example", "wrong password").status_code == 401
    sign_in_for_tokens(world, "shop", "cora@shop.example")
    session_id = world.ok("GET", f"/orgs/shop/customers/{cora}")["sessions"][0]["id"]
    world.ok("DELETE", f"/orgs/shop/customers/{cora}/sessions/{session_id}", "carol", status=204)
    erin = world.new_operator()
    added = world.call(
        "POST",
        "/orgs/shop/members",
        "alice",
        json={"email": world.email(erin), "role": "viewer"},
        headers={"X-Request-ID": "req-add-erin"},
    )
    assert added.status_code == 201 and added.headers["x-request-id"] == "req-add-erin"

    events = audit_events(world, "/orgs/shop/audit", "carol")

    assert {e["tenant_id"] for e in events} == {shop_id}
    by_action = {e["action"]: e for e in reversed(events)}  # the newest of each action
    assert {
        "login.succeeded",
        "session.revoked",
        "member.added",
        "org.approved",
        "org.tier_changed",
    } <= set(by_action)
    assert "login.failed" not in by_action  # a sign-in event, not a link of the chain
    assert by_action["login.succeeded"]["actor"] == f"customer:{cora}"
    assert by_action["session.revoked"]["actor"] == "operator:carol@operators.example"
    assert by_action["org.approved"]["actor"] == f"operator:{ROOT_EMAIL}"
    assert by_action["org.tier_changed"]["details"] == {"from": "free", "to": "pro"}
    member_added = by_action["member.added"]
    assert member_added["actor"] == "operator:alice@operators.example"
    assert member_added["target"] == world.email(erin)
    assert member_added["request_id"] == "req-add-erin"
    for event in events:
        assert event["request_id"] and event["ip"] == "testclient", event
        assert len(event["hash"]) == 64
    assert [e["seq"] for e in events] == sorted((e["seq"] for e in events), reverse=True)

    # Filters: action, actor, time.
    only_added = audit_events(world, "/orgs/shop/audit", "carol", action="member.added")
    assert [e["target"] for e in only_added] == [
        world.email(erin),
        "dave@operators.example",
        "carol@operators.example",
    ]
    by_root = audit_events(world, "/orgs/shop/audit", "carol", actor=f"operator:{ROOT_EMAIL}")
    assert [e["action"] for e in by_root] == ["org.tier_changed", "org.approved"]
    boundary = clock.now - 30
    recent = audit_events(world, "/orgs/shop/audit", "carol", since=boundary)
    earlier = audit_events(world, "/orgs/shop/audit", "carol", until=boundary)
    assert [e["action"] for e in reversed(recent)] == [
        "login.succeeded",
        "session.revoked",
        "member.added",
    ]
    assert recent + earlier == events

    # Cursor pagination: pages of 3 add up to the whole log, newest first, no repeats.
    pages, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = world.ok("GET", "/orgs/shop/audit", "dave", params=params)
        pages.append(page["events"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert all(len(page) == 3 for page in pages[:-1]) and 1 <= len(pages[-1]) <= 3
    assert [e for page in pages for e in page] == events
    assert_error(
        world.call("GET", "/orgs/shop/audit", "dave", params={"cursor": "garbage!"}),
        400,
        "validation_failed",
    )

    # Org admins see their organization only; the platform owner sees every tenant.
    assert_error(world.call("GET", "/audit", "carol"), 403, "forbidden")
    assert_error(world.call("GET", "/orgs/mart/audit", "carol"), 404, "not_found")
    platform_wide = audit_events(world, "/audit", "root")
    tenants_seen = {e["tenant_id"] for e in platform_wide}
    assert {shop_id, mart_id, world.tenant_id("platform")} <= tenants_seen
    assert [e for e in platform_wide if e["tenant_id"] == shop_id] == events
    platform_logins = audit_events(world, "/audit", "root", action="login.succeeded")
    assert {e["tenant_id"] for e in platform_logins} == {shop_id}


def verify_chains(rt: Runtime, slug: str | None = None) -> dict[str, Any]:
    """``idgate audit verify [--tenant S]``: the CLI checks the chains across tenants."""
    with all_tenants():
        return dict(verify_audit_chains(rt, slug))


def test_audit_chain_verifies_and_detects_an_edited_or_deleted_event(world: AdminWorld) -> None:
    shop_id, mart_id = world.tenant_id("shop"), world.tenant_id("mart")
    verdicts = verify_chains(world.rt)
    assert all(v.intact for v in verdicts.values()), verdicts
    assert verdicts["shop"].events == 7 and verdicts["mart"].events >= 4

    with all_tenants(), database.write(world.rt.engine) as conn:
        conn.execute(
            text(
                "UPDATE audit_events SET actor = 'operator:nobody' WHERE tenant_id = :t AND seq = 2"
            ),
            {"t": shop_id},
        )
        conn.execute(
            text("DELETE FROM audit_events WHERE tenant_id = :t AND seq = 3"), {"t": mart_id}
        )

    verdicts = verify_chains(world.rt)
    assert not verdicts["shop"].intact and verdicts["shop"].first_bad_seq == 2
    assert not verdicts["mart"].intact and verdicts["mart"].first_bad_seq == 3
    assert verdicts["platform"].intact
    assert list(verify_chains(world.rt, "shop")) == ["shop"]
    assert not verify_chains(world.rt, "shop")["shop"].intact

    with all_tenants(), database.write(world.rt.engine) as conn:
        conn.execute(
            text("UPDATE audit_events SET details = :d WHERE tenant_id = :t AND seq = 3"),
            {"t": shop_id, "d": '{"from": "free", "to": "enterprise"}'},
        )
        conn.execute(
            text("UPDATE audit_events SET actor = :a WHERE tenant_id = :t AND seq = 2"),
            {"t": shop_id, "a": f"operator:{ROOT_EMAIL}"},
        )
    # Putting the actor back is not enough: the edited details of event 3 break the chain.
    verdict = verify_chains(world.rt, "shop")["shop"]
    assert not verdict.intact and verdict.first_bad_seq == 3


# --- the "Done means" --------------------------------------------------------


def test_done_means_new_org_signs_in_a_customer_sees_the_login_audited_and_revocation_kills_tokens(
    rt: Runtime, stack: ExitStack
) -> None:
    # The platform owner initializes the platform and signs in to the CLI (device flow).
    with all_tenants():
        first = init_platform(rt, owner_email=ROOT_EMAIL, password=OPERATOR_PASSWORD)
        again = init_platform(rt, owner_email=ROOT_EMAIL, password=None)
    assert first.created_owner and not again.created_owner and again.generated_password is None
    client = open_client(stack, build_app())
    root_token = device_flow_token(client, stack, ROOT_EMAIL, OPERATOR_PASSWORD)["access_token"]
    root = {"Authorization": f"Bearer {root_token}"}

    # A business signs up; its issuer stays closed until the platform owner approves it.
    signed_up = client.post(
        "/api/v1/signup",
        json={
            "email": "owner@bakery.example",
            "password": OPERATOR_PASSWORD,
            "organization": {"slug": "bakery", "name": "The Bakery"},
        },
    )
    assert signed_up.status_code == 201 and signed_up.json()["status"] == "pending"
    assert client.get("/t/bakery/.well-known/openid-configuration").status_code == 403
    pending = client.get("/api/v1/orgs", params={"status": "pending"}, headers=root).json()
    assert [o["slug"] for o in pending] == ["bakery"]
    approved = client.post("/api/v1/orgs/bakery/approve", headers=root)
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    discovery = client.get("/t/bakery/.well-known/openid-configuration").json()
    assert discovery["issuer"] == "http://testserver/t/bakery"

    # The organization's owner signs in to the CLI and creates an application and a customer.
    owner_token = device_flow_token(client, stack, "owner@bakery.example", OPERATOR_PASSWORD)
    owner = {"Authorization": f"Bearer {owner_token['access_token']}"}
    app_response = client.post(
        "/api/v1/orgs/bakery/apps",
        headers=owner,
        json={
            "client_id": "bakery-web",
            "name": "Bakery Web",
            "redirect_uris": ["https://bakery.example/callback"],
            "grants": ["authorization_code", "refresh_token"],
        },
    )
    assert app_response.status_code == 201, app_response.text
    secret = app_response.json()["client_secret"]
    customer_response = client.post(
        "/api/v1/orgs/bakery/customers",
        headers=owner,
        json={"email": "carl@bakery.example", "password": CUSTOMER_PASSWORD, "name": "Carl"},
    )
    assert customer_response.status_code == 201, customer_response.text
    customer_id = customer_response.json()["id"]

    # The customer signs in through the organization's issuer (code flow with PKCE).
    browser = Browser(open_client(stack, client.app), "bakery")
    auth = new_authorization("bakery-web", "https://bakery.example/callback")
    final = browser.sign_in(auth, "carl@bakery.example", CUSTOMER_PASSWORD)
    answer = query_of(final)
    assert answer["state"] == auth.state
    exchanged = token_request(
        client,
        "bakery",
        {
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": "https://bakery.example/callback",
            "code_verifier": auth.verifier,
        },
        basic("bakery-web", secret),
    )
    assert exchanged.status_code == 200, exchanged.text
    tokens = exchanged.json()
    assert jwt.decode(tokens["id_token"], options={"verify_signature": False})["sub"] == customer_id

    def introspection(token: str) -> dict[str, Any]:
        answer = client.post(
            "/t/bakery/introspect", data={"token": token}, headers=basic("bakery-web", secret)
        )
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    assert introspection(tokens["access_token"])["active"] is True

    # The login is in the organization's audit log.
    logins = client.get(
        "/api/v1/orgs/bakery/audit", params={"action": "login.succeeded"}, headers=owner
    ).json()["events"]
    assert [(e["actor"], e["target"]) for e in logins] == [
        (f"customer:{customer_id}", "carl@bakery.example")
    ]
    detail = client.get(f"/api/v1/orgs/bakery/customers/{customer_id}", headers=owner).json()
    assert len(detail["sessions"]) == 1
    assert [s["client_id"] for s in detail["subscriptions"]] == ["bakery-web"]

    # Revoking the customer's sessions kills the tokens at once.
    revoked = client.delete(f"/api/v1/orgs/bakery/customers/{customer_id}/sessions", headers=owner)
    assert revoked.status_code == 200 and revoked.json() == {"sessions_ended": 1}
    assert introspection(tokens["access_token"]) == {"active": False}
    assert introspection(tokens["refresh_token"]) == {"active": False}
    refreshed = token_request(
        client,
        "bakery",
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        basic("bakery-web", secret),
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    actions = [
        e["action"] for e in client.get("/api/v1/orgs/bakery/audit", headers=owner).json()["events"]
    ]
    assert actions[:2] == ["customer.sessions_revoked", "login.succeeded"]
    verdicts = verify_chains(rt)
    assert set(verdicts) == {"platform", "bakery"}
    assert all(verdict.intact for verdict in verdicts.values())


def test_the_platform_server_documents_only_the_json_api_not_the_pages() -> None:
    # Found by the TypeScript SDK's generator: the one-process server's document listed the
    # login, account and device pages (and the demo relying party) as API operations.
    document = TestClient(build_local_app()).get("/api/v1/openapi.json").json()

    assert document["paths"]
    assert all(path.startswith("/api/v1/") for path in document["paths"])
