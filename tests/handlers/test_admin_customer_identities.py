"""A customer's linked upstream accounts through the admin API, on SQLite and PostgreSQL:
listed in the customer's detail, unlinked (204, audited) by admins, and never the
customer's last way to sign in (409 with a message).

Accounts are linked by inserting the row a sign-in through a connection leaves
(``tests/handlers/upstream_fixtures.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import httpx
import pytest

from idgate.kernel.runtime import Runtime
from tests.conftest import FakeClock
from tests.handlers.admin_fixtures import (
    AdminWorld,
    build_world,
    use_cheap_password_hashing,
)
from tests.handlers.upstream_fixtures import add_connection, link_identity

IDENTITY_FIELDS = {
    "id",
    "connection_id",
    "provider",
    "subject",
    "email",
    "linked_at",
    "last_used_at",
}


@pytest.fixture
def world(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[AdminWorld]:
    use_cheap_password_hashing(monkeypatch)
    with ExitStack() as stack:
        w = build_world(rt, stack)
        add_connection(w, "shop", "github")
        add_connection(w, "shop", "corp", provider="oidc", name="Corp", issuer="https://c.example")
        yield w


def unlink(w: AdminWorld, customer_id: str, identity_id: str, who: str = "carol") -> httpx.Response:
    return w.call("DELETE", f"/orgs/shop/customers/{customer_id}/identities/{identity_id}", who)


def identities(w: AdminWorld, customer_id: str) -> list[dict[str, object]]:
    return list(w.ok("GET", f"/orgs/shop/customers/{customer_id}", "dave")["identities"])


def test_customer_detail_lists_the_password_and_each_linked_account(
    world: AdminWorld, rt: Runtime, clock: FakeClock
) -> None:
    cora = world.customer_ids["cora"]
    linked_at = clock.now
    github = link_identity(rt, "shop", cora, "github", "583231", "cora@users.github.example")
    clock.advance(5)
    corp = link_identity(rt, "shop", cora, "corp", "cora-at-corp")

    password, first, second = identities(world, cora)

    assert password == {"provider": "password", "subject": "cora@shop.example"}
    assert set(first) == IDENTITY_FIELDS
    assert first == {
        "id": github,
        "connection_id": "github",
        "provider": "github",
        "subject": "583231",
        "email": "cora@users.github.example",
        "linked_at": pytest.approx(linked_at),
        "last_used_at": None,
    }
    assert (second["id"], second["provider"], second["email"]) == (corp, "oidc", None)


def test_unlinking_an_account_of_a_customer_with_a_password_is_204_and_audited(
    world: AdminWorld, rt: Runtime
) -> None:
    cora = world.customer_ids["cora"]
    github = link_identity(rt, "shop", cora, "github")

    assert unlink(world, cora, github).status_code == 204

    assert [i["provider"] for i in identities(world, cora)] == ["password"]
    events = world.ok("GET", "/orgs/shop/audit", "dave", params={"limit": 200})["events"]
    [event] = [e for e in events if e["action"] == "customer.identity_unlinked"]
    assert event["actor"] == "operator:carol@operators.example" and event["target"] == cora
    assert event["details"] == {"identity_id": github, "connection_id": "github"}
    assert unlink(world, cora, github).status_code == 404  # already gone


def test_the_last_way_to_sign_in_cannot_be_unlinked(world: AdminWorld, rt: Runtime) -> None:
    """Without a password, two linked accounts: the first goes, the second stays (409)."""
    passwordless = world.add_customer("shop", "pia@shop.example")
    github = link_identity(rt, "shop", passwordless, "github")
    corp = link_identity(rt, "shop", passwordless, "corp")

    assert unlink(world, passwordless, github).status_code == 204
    refused = unlink(world, passwordless, corp)

    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "conflict"
    assert "last way to sign in" in body["message"]
    assert [i["id"] for i in identities(world, passwordless)] == [corp]


def test_unlinking_needs_the_customers_write_permission_and_the_right_customer(
    world: AdminWorld, rt: Runtime
) -> None:
    cora = world.customer_ids["cora"]
    github = link_identity(rt, "shop", cora, "github")
    other = world.add_customer("shop", "otto@shop.example", "otto's password")

    assert unlink(world, cora, github, "dave").status_code == 403  # a viewer
    assert unlink(world, cora, github, "bob").status_code == 404  # another organization
    assert unlink(world, other, github).status_code == 404  # not this customer's account
    assert unlink(world, "no-such-customer", github).status_code == 404
    assert unlink(world, cora, "no-such-identity").status_code == 404
    for customer_id, identity_id, field in (
        (cora, "%00", "identity_id"),
        ("%00", github, "customer_id"),
    ):
        refused = unlink(world, customer_id, identity_id)
        assert refused.status_code == 400 and refused.json()["fields"] == [field], refused.text

    assert [i.get("id") for i in identities(world, cora)] == [None, github]
