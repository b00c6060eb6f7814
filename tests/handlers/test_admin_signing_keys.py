"""An organization's signing keys through the admin API, on SQLite and PostgreSQL: viewers
list them (never private material), only owners rotate them (audited as ``keys.rotated``),
a pending rotation is a conflict that an immediate one overrides, and the platform owner
may rotate the platform tenant's own keys, which no one else can even see.

Who may call each route is also checked, with every role, by ``test_admin_api``'s endpoint
table; the world is described in ``tests/handlers/admin_fixtures.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from idgate.kernel.runtime import Runtime
from tests.conftest import FakeClock
from tests.handlers.admin_fixtures import (
    AdminWorld,
    build_world,
    mint_token,
    use_cheap_password_hashing,
)

KEY_FIELDS = {"kid", "alg", "status", "created_at", "activates_at", "retired_at"}
KEYS = "/orgs/shop/keys"
ROTATE = "/orgs/shop/keys/rotate"


@pytest.fixture
def world(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[AdminWorld]:
    use_cheap_password_hashing(monkeypatch)
    with ExitStack() as stack:
        yield build_world(rt, stack)


def published_kids(w: AdminWorld, slug: str = "shop") -> set[str]:
    response = w.client.get(f"/t/{slug}/jwks")
    assert response.status_code == 200
    return {key["kid"] for key in response.json()["keys"]}


def rotation_events(w: AdminWorld) -> list[dict[str, Any]]:
    events = w.ok("GET", "/orgs/shop/audit", "alice", params={"limit": 200})["events"]
    return [e for e in events if e["action"] == "keys.rotated"]


def test_owner_rotates_and_viewer_sees_next_and_current_keys_without_private_material(
    world: AdminWorld, clock: FakeClock
) -> None:
    rotation = world.ok("POST", ROTATE, "alice", json={})
    assert rotation["immediate"] is False and rotation["withdrawn"] == []
    assert rotation["activates_at"] == clock.now + world.rt.settings.key_rotation_delay_seconds
    new = {key["kid"]: key for key in rotation["keys"]}
    assert sorted(key["alg"] for key in new.values()) == ["ES256", "RS256"]

    keys = world.ok("GET", KEYS, "dave")
    assert all(set(key) == KEY_FIELDS for key in keys)
    statuses = {key["kid"]: key["status"] for key in keys}
    assert {statuses[kid] for kid in new} == {"next"}
    assert sorted(s for kid, s in statuses.items() if kid not in new) == ["current", "current"]
    assert set(statuses) == published_kids(world)
    clock.advance(world.rt.settings.key_rotation_delay_seconds)
    world.tokens["dave"] = mint_token(world.rt, world.ids["dave"])  # the first one expired
    after = {key["kid"]: key for key in world.ok("GET", KEYS, "dave")}
    assert {after[kid]["status"] for kid in new} == {"current"}
    retired = [key for kid, key in after.items() if kid not in new]
    assert {key["status"] for key in retired} == {"retired"}
    assert {key["retired_at"] for key in retired} == {rotation["activates_at"]}


def test_admins_and_viewers_cannot_rotate_and_nothing_changes(world: AdminWorld) -> None:
    before = published_kids(world)
    for who in ("carol", "dave"):
        response = world.call("POST", ROTATE, who, json={"immediate": True})
        assert response.status_code == 403, response.text
        assert response.json()["error"] == "forbidden"
        assert "org.keys.rotate" in response.json()["message"]
    assert published_kids(world) == before
    assert rotation_events(world) == []


def test_rotation_is_audited_with_the_operator_and_the_new_kids(world: AdminWorld) -> None:
    rotation = world.ok("POST", ROTATE, "alice")  # no body: a delayed rotation
    events = rotation_events(world)
    assert len(events) == 1
    event = events[0]
    assert event["actor"] == "operator:alice@operators.example"
    assert event["target"] == "shop"
    assert event["details"]["kids"] == [key["kid"] for key in rotation["keys"]]
    assert event["details"]["immediate"] is False
    assert event["details"]["activates_at"] == rotation["activates_at"]


def test_a_pending_rotation_is_a_conflict_and_an_immediate_one_replaces_every_key(
    world: AdminWorld,
) -> None:
    first = world.ok("POST", ROTATE, "alice")
    conflict = world.call("POST", ROTATE, "alice", json={"immediate": False})
    assert conflict.status_code == 409, conflict.text
    assert conflict.json()["error"] == "conflict"
    assert "already pending" in conflict.json()["message"]
    earlier = published_kids(world)

    replaced = world.ok("POST", ROTATE, "root", json={"immediate": True})
    assert replaced["immediate"] is True
    assert {key["status"] for key in replaced["keys"]} == {"current"}
    assert set(replaced["withdrawn"]) == earlier
    assert {key["kid"] for key in first["keys"]} <= earlier
    assert published_kids(world) == {key["kid"] for key in replaced["keys"]}
    assert [e["details"]["immediate"] for e in reversed(rotation_events(world))] == [False, True]


def test_the_platform_owner_rotates_the_platform_keys_which_others_cannot_see(
    world: AdminWorld,
) -> None:
    rotation = world.ok("POST", "/orgs/platform/keys/rotate", "root")
    assert {key["kid"] for key in rotation["keys"]} <= published_kids(world, "platform")
    listed = {key["kid"] for key in world.ok("GET", "/orgs/platform/keys", "root")}
    assert {key["kid"] for key in rotation["keys"]} <= listed
    calls = (("GET", "/orgs/platform/keys"), ("POST", "/orgs/platform/keys/rotate"))
    for who in ("alice", "bob"):
        for method, path in calls:
            response = world.call(method, path, who)
            assert response.status_code == 404, (who, path, response.text)
    assert world.ok("GET", "/me", "alice")["platform_owner"] is False  # tokens still verify
