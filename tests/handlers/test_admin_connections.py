"""Upstream connections (bring your own OAuth) through the admin API, on SQLite and
PostgreSQL: create, replace, read and delete by role, the tier gate, the client secret
absent from every answer and audit event, input errors naming their field, upstream URLs in
production, and what deleting a connection does to the accounts linked through it.

The world the tests start from is described in ``tests/handlers/admin_fixtures.py``
(``shop`` is on the pro tier, which allows bring-your-own OAuth; the free tier does not).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from idgate.kernel.runtime import Runtime
from idgate.process import build_runtime, install_runtime
from idgate.storage import database
from idgate.storage.tables import upstream_identities
from tests.conftest import PUBLIC_URL, FakeClock
from tests.handlers.admin_fixtures import (
    AdminWorld,
    all_tenants,
    build_world,
    use_cheap_password_hashing,
)
from tests.handlers.upstream_fixtures import (
    GITHUB_SECRET,
    add_connection,
    github_body,
    link_identity,
)

OUT_FIELDS = {
    "id",
    "provider",
    "name",
    "client_id",
    "issuer",
    "microsoft_tenant",
    "scopes",
    "enabled",
    "secret_set",
    "callback_url",
    "created_at",
    "updated_at",
}
NEW_SECRET = "rotated-github-secret-5d1e0b7a93c24f68"


@pytest.fixture
def world(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[AdminWorld]:
    use_cheap_password_hashing(monkeypatch)
    with ExitStack() as stack:
        yield build_world(rt, stack)


def path(connection_id: str = "github", slug: str = "shop") -> str:
    return f"/orgs/{slug}/connections/{connection_id}"


def error_of(response: httpx.Response, status: int, error: str) -> str:
    """The JSON error's message, once status and code are as expected."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    return str(body["message"])


def audit_of(w: AdminWorld, prefix: str) -> list[dict[str, Any]]:
    """shop's events whose action starts with ``prefix``, oldest first."""
    events = w.ok("GET", "/orgs/shop/audit", params={"limit": 200})["events"]
    return sorted((e for e in events if e["action"].startswith(prefix)), key=lambda e: e["seq"])


# --- create, replace, read, delete ------------------------------------------------------


def test_an_admin_creates_replaces_reads_and_deletes_a_connection(world: AdminWorld) -> None:
    created = world.call("PUT", path(), "carol", json=github_body(scopes=["read:user"]))
    assert created.status_code == 201, created.text
    github = created.json()
    assert set(github) == OUT_FIELDS
    assert github["id"] == "github" and github["provider"] == "github"
    assert github["name"] == "GitHub"  # the provider's own name by default
    assert github["scopes"] == ["read:user"] and github["enabled"] is True
    assert github["secret_set"] is True
    assert github["callback_url"] == f"{PUBLIC_URL}/t/shop/upstream/github/callback"

    assert world.ok("GET", "/orgs/shop/connections", "dave") == [github]
    assert world.ok("GET", path(), "dave") == github

    # Without client_secret the stored one is kept; everything else is replaced.
    body = {"provider": "github", "client_id": "Iv1.other", "name": "GitHub (staff)"}
    replaced = world.ok("PUT", path(), "alice", json=body)
    assert replaced["client_id"] == "Iv1.other" and replaced["name"] == "GitHub (staff)"
    assert replaced["scopes"] != ["read:user"]  # back to the provider's default
    assert replaced["secret_set"] is True and replaced["created_at"] == github["created_at"]

    assert world.call("DELETE", path(), "carol").status_code == 204
    error_of(world.call("GET", path(), "dave"), 404, "not_found")
    assert world.ok("GET", "/orgs/shop/connections", "dave") == []
    error_of(world.call("DELETE", path(), "carol"), 404, "not_found")


def test_several_connections_of_one_provider_coexist_under_their_ids(
    world: AdminWorld, clock: FakeClock
) -> None:
    add_connection(world, "shop", "github")
    clock.advance(1)
    add_connection(world, "shop", "github-staff", name="GitHub for staff")
    clock.advance(1)
    oidc = {
        "provider": "oidc",
        "client_id": "shop",
        "client_secret": GITHUB_SECRET,
        "name": "Shop SSO",
        "issuer": "https://sso.shop.example/",
    }
    corp = world.ok("PUT", path("corp"), json=oidc, status=201)
    clock.advance(1)
    assert corp["issuer"] == "https://sso.shop.example"
    microsoft = {**oidc, "provider": "microsoft", "microsoft_tenant": "organizations"}
    del microsoft["issuer"], microsoft["name"]
    ms = world.ok("PUT", path("microsoft"), json=microsoft, status=201)
    assert (ms["name"], ms["microsoft_tenant"]) == ("Microsoft", "organizations")

    listed = world.ok("GET", "/orgs/shop/connections", "dave")  # in the order they were made
    assert [c["id"] for c in listed] == ["github", "github-staff", "corp", "microsoft"]
    assert world.ok("GET", "/orgs/mart/connections", "bob") == []


def test_a_viewer_reads_connections_but_cannot_change_them(world: AdminWorld) -> None:
    add_connection(world, "shop")
    before = world.ok("GET", path(), "dave")

    error_of(world.call("PUT", path(), "dave", json=github_body(name="x")), 403, "forbidden")
    error_of(world.call("PUT", path("new"), "dave", json=github_body()), 403, "forbidden")
    error_of(world.call("DELETE", path(), "dave"), 403, "forbidden")
    # An operator of another organization cannot even tell that shop exists.
    error_of(world.call("GET", path(), "bob"), 404, "not_found")
    error_of(world.call("PUT", path(), "bob", json=github_body()), 404, "not_found")

    assert world.ok("GET", "/orgs/shop/connections", "dave") == [before]


# --- the tier gate ----------------------------------------------------------------------


def test_a_tier_without_byo_oauth_refuses_creating_a_connection_naming_the_tier(
    world: AdminWorld,
) -> None:
    world.ok("PUT", "/orgs/shop/tier", json={"tier": "free"})

    for enabled in (True, False):
        refused = world.call("PUT", path(), "alice", json=github_body(enabled=enabled))
        message = error_of(refused, 403, "limit_reached")
        assert message.startswith("the free tier does not allow bring-your-own OAuth")

    assert world.ok("GET", "/orgs/shop/connections") == []
    assert audit_of(world, "connection.") == []


def test_a_tier_without_byo_oauth_refuses_enabling_but_allows_disabling_and_deleting(
    world: AdminWorld,
) -> None:
    add_connection(world, "shop")
    world.ok("PUT", "/orgs/shop/tier", json={"tier": "free"})

    refused = world.call("PUT", path(), "alice", json=github_body())
    assert "free tier" in error_of(refused, 403, "limit_reached")
    disabled = world.ok("PUT", path(), "alice", json=github_body(enabled=False))
    assert disabled["enabled"] is False
    again = world.call("PUT", path(), "alice", json=github_body(enabled=True))
    assert "free tier" in error_of(again, 403, "limit_reached")
    assert world.ok("GET", path())["enabled"] is False

    world.ok("PATCH", "/tiers/free", json={"byo_oauth_allowed": True})
    assert world.ok("PUT", path(), "alice", json=github_body())["enabled"] is True
    world.ok("PATCH", "/tiers/free", json={"byo_oauth_allowed": False})
    assert world.call("DELETE", path(), "alice").status_code == 204


# --- the secret, and the audit log ------------------------------------------------------


def test_the_client_secret_is_in_no_response_body(world: AdminWorld) -> None:
    responses = [
        world.call("PUT", path(), "carol", json=github_body()),
        world.call("PUT", path(), "carol", json=github_body(client_secret=NEW_SECRET)),
        world.call("GET", path(), "dave"),
        world.call("GET", "/orgs/shop/connections", "dave"),
        world.call("GET", "/orgs/shop/audit", "dave", params={"limit": 200}),
        world.call("GET", "/audit", params={"limit": 200}),
        # Refusals echo nothing of the body either.
        world.call("PUT", path(), "dave", json=github_body(client_secret=NEW_SECRET)),
        world.call("PUT", path("Bad Id"), json=github_body(client_secret=NEW_SECRET)),
        world.call("PUT", path(), json=github_body(provider="gitlab", client_secret=NEW_SECRET)),
        world.call("PUT", path(), json=github_body(client_secret=[NEW_SECRET])),
        world.call("PUT", path(), json=github_body(client_secret=NEW_SECRET + "x" * 3000)),
    ]
    world.ok("PUT", "/orgs/shop/tier", json={"tier": "free"})
    responses.append(world.call("PUT", path(), json=github_body(client_secret=NEW_SECRET)))
    responses.append(world.call("DELETE", path(), "carol"))

    statuses = [r.status_code for r in responses]
    assert statuses == [201, 200, 200, 200, 200, 200, 403, 400, 400, 400, 400, 403, 204]
    for response in responses:
        assert GITHUB_SECRET not in response.text and NEW_SECRET not in response.text


def test_every_change_is_audited_with_the_fields_it_changed_never_the_secret(
    world: AdminWorld,
) -> None:
    # Without client_secret the stored one is kept; a secret sent is a secret set.
    renamed = {k: v for k, v in github_body(name="GitHub (shop)").items() if k != "client_secret"}
    add_connection(world, "shop", who="carol")
    world.ok("PUT", path(), "alice", json=renamed)
    world.ok("PUT", path(), "alice", json={**renamed, "client_secret": NEW_SECRET})
    world.ok("PUT", path(), "alice", json=renamed)
    world.ok("DELETE", path(), "alice", status=204)

    events = audit_of(world, "connection.")
    assert [(e["action"], e["actor"], e["target"]) for e in events] == [
        ("connection.created", "operator:carol@operators.example", "github"),
        ("connection.updated", "operator:alice@operators.example", "github"),
        ("connection.updated", "operator:alice@operators.example", "github"),
        ("connection.deleted", "operator:alice@operators.example", "github"),
    ]  # the PUT that changed nothing is not among them
    created, renamed, rotated, deleted = (e["details"] for e in events)
    assert created["fields"] == [
        "client_id",
        "client_secret",
        "enabled",
        "issuer",
        "microsoft_tenant",
        "name",
        "provider",
        "scopes",
    ]
    assert renamed == {"fields": ["name"]}
    assert rotated == {"fields": ["client_secret"]}
    assert deleted == {"identities_unlinked": 0}
    for event in events:
        assert GITHUB_SECRET not in str(event) and NEW_SECRET not in str(event)


# --- input errors -----------------------------------------------------------------------


def refusal_naming(response: httpx.Response, field: str) -> str:
    """A 400 naming ``field``: the edge's (malformed: ``fields`` and ``field:`` in the
    message) or the core's rule (a message that starts with the field's name)."""
    assert response.status_code == 400, response.text
    body = response.json()
    message = str(body["message"])
    if body["error"] == "invalid_request":
        assert body["fields"] == [field] and f"{field}:" in message, body
    else:
        assert body["error"] == "validation_failed" and message.startswith(field), body
    return message


HUGE = "x" * 100_000
ODD_BODIES = [
    ({"client_id": "x", "client_secret": GITHUB_SECRET}, "provider"),
    (github_body(provider="gitlab"), "provider"),
    (github_body(provider=None), "provider"),
    (github_body(client_id=None), "client_id"),
    (github_body(client_id="a\x00b"), "client_id"),
    (github_body(client_id=HUGE), "client_id"),
    (github_body(client_id=" "), "client_id"),
    (github_body(client_secret=""), "client_secret"),
    (github_body(client_secret=12345), "client_secret"),
    (github_body(name="\x00"), "name"),
    (github_body(name=HUGE), "name"),
    (github_body(scopes="read:user"), "scopes"),
    (github_body(scopes=["read user"]), "scopes"),
    (github_body(scopes=["x\x00"]), "scopes.0"),
    (github_body(enabled=[]), "enabled"),
    (github_body(issuer="https://github.example"), "issuer"),
    (github_body(issuer="https://x.example/\x00"), "issuer"),
    (github_body(microsoft_tenant="common"), "microsoft_tenant"),
    (github_body(provider="microsoft", microsoft_tenant="not a tenant"), "microsoft_tenant"),
    (github_body(provider="oidc", name="Shop SSO"), "issuer"),
    (github_body(provider="oidc", issuer="https://sso.shop.example"), "name"),
    (github_body(provider="oidc", name="SSO", issuer="ftp://sso.shop.example"), "issuer"),
    ({"provider": "github", "client_id": "Iv1.x"}, "client_secret"),
]


@pytest.mark.parametrize(("body", "field"), ODD_BODIES)
def test_bad_input_is_a_400_naming_its_field_never_a_500(
    world: AdminWorld, body: dict[str, Any], field: str
) -> None:
    refusal_naming(world.call("PUT", path("new"), "alice", json=body), field)

    assert world.ok("GET", "/orgs/shop/connections") == []


@pytest.mark.parametrize("connection_id", ["Upper", "-dash-first", "x" * 64, "a.b", "%00"])
def test_a_malformed_connection_id_is_refused_naming_the_id(
    world: AdminWorld, connection_id: str
) -> None:
    refused = world.call("PUT", path(connection_id), json=github_body())
    assert refusal_naming(refused, "id").startswith("id: use 1-63 lowercase letters")
    # Such a connection cannot exist: reading or deleting it is a 404, never a 500.
    error_of(world.call("GET", path(connection_id)), 404, "not_found")
    error_of(world.call("DELETE", path(connection_id)), 404, "not_found")


def test_unknown_provider_is_refused_listing_the_known_ones(world: AdminWorld) -> None:
    refused = world.call("PUT", path(), json=github_body(provider="gitlab"))
    assert "github, google, microsoft, oidc" in refusal_naming(refused, "provider")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (github_body(provider="oidc", name="SSO", issuer="http://sso.shop.example"), "https"),
        (github_body(provider="oidc", name="SSO", issuer="https://127.0.0.1:8443"), "non-public"),
        (github_body(provider="oidc", name="SSO", issuer="https://10.1.2.3"), "non-public"),
        (github_body(provider="google", issuer="https://accounts.google.com"), "fixed"),
    ],
)
def test_production_refuses_an_upstream_url_that_is_not_public_https(
    world: AdminWorld, rt: Runtime, body: dict[str, Any], words: str
) -> None:
    # The same database and platform, served with IDGATE_ENV=production.
    production = build_runtime(rt.settings.model_copy(update={"env": "production"}), rt.clock)
    install_runtime(production)
    try:
        refused = world.call("PUT", path("sso"), json=body)
    finally:
        install_runtime(rt)
        production.engine.dispose()

    message = refusal_naming(refused, "issuer")
    assert words in message
    # Outside production, the same issuer on loopback is a test stand-in, and allowed.
    local = github_body(provider="oidc", name="SSO", issuer="http://127.0.0.1:9000")
    assert world.ok("PUT", path("sso"), json=local, status=201)["issuer"] == local["issuer"]


# --- linked identities ------------------------------------------------------------------


def test_deleting_a_connection_removes_the_accounts_linked_through_it(
    world: AdminWorld, rt: Runtime, clock: FakeClock
) -> None:
    add_connection(world, "shop", "github")
    add_connection(world, "shop", "github-staff")
    cora = world.customer_ids["cora"]
    gone = link_identity(rt, "shop", cora, "github", "1001", "cora@users.example")
    clock.advance(1)
    kept = link_identity(rt, "shop", cora, "github-staff", "2002")
    shown = world.ok("GET", f"/orgs/shop/customers/{cora}", "dave")["identities"]
    assert [i.get("id") for i in shown] == [None, gone, kept]  # the password first

    assert world.call("DELETE", path("github"), "carol").status_code == 204

    shown = world.ok("GET", f"/orgs/shop/customers/{cora}", "dave")["identities"]
    assert [i.get("id") for i in shown] == [None, kept]
    with all_tenants(), database.read(rt.engine) as conn:
        rows = conn.execute(select(upstream_identities.c.id)).scalars().all()
    assert rows == [kept]
    [deleted] = audit_of(world, "connection.deleted")
    assert deleted["details"] == {"identities_unlinked": 1}
    # A new connection under the same id starts with no linked account.
    add_connection(world, "shop", "github")
    shown = world.ok("GET", f"/orgs/shop/customers/{cora}", "dave")["identities"]
    assert [i.get("connection_id") for i in shown] == [None, "github-staff"]
