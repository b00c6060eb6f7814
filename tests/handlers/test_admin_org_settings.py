"""An organization's self-service policy through the admin API (``GET|PATCH
/api/v1/orgs/{slug}/settings``), on SQLite and PostgreSQL: members read it, owners and
admins change any subset of it, each change is audited with the values before and after,
and a malformed or unknown setting is a 400 naming it that changes nothing.

Who may call each route is also checked, with every role, by ``test_admin_api``'s endpoint
table; the world is described in ``tests/handlers/admin_fixtures.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from idgate.kernel.runtime import Runtime
from tests.handlers.admin_fixtures import (
    AdminWorld,
    build_world,
    tenant_by_slug,
    use_cheap_password_hashing,
)

SETTINGS = "/orgs/shop/settings"
DEFAULTS = {
    "sign_up": "closed",
    "email_verification": "required",
    "email_sign_in": "off",
    "password_min_length": 10,
    "session_days": 7,
}


@pytest.fixture
def world(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[AdminWorld]:
    use_cheap_password_hashing(monkeypatch)
    with ExitStack() as stack:
        yield build_world(rt, stack)


def settings_events(w: AdminWorld) -> list[dict[str, Any]]:
    params = {"action": "org.settings_changed", "limit": 200}
    return list(w.ok("GET", "/orgs/shop/audit", "alice", params=params)["events"])


def refused(w: AdminWorld, body: Any, who: str = "alice") -> dict[str, Any]:
    response = w.call("PATCH", SETTINGS, who, json=body)
    assert response.status_code == 400, response.text
    return dict(response.json())


def test_a_viewer_reads_the_default_policy(world: AdminWorld) -> None:
    assert world.ok("GET", SETTINGS, "dave") == DEFAULTS


def test_owner_changes_a_subset_and_gets_the_whole_policy_which_the_tenant_then_carries(
    world: AdminWorld,
) -> None:
    changed = world.ok("PATCH", SETTINGS, "alice", json={"sign_up": "open", "session_days": 30})

    assert changed == {**DEFAULTS, "sign_up": "open", "session_days": 30}
    assert world.ok("GET", SETTINGS, "dave") == changed
    policy = tenant_by_slug(world.rt, "shop").policy
    assert policy.sign_up_open and policy.session_seconds == 30 * 24 * 3600


def test_admin_changes_every_setting_at_once(world: AdminWorld) -> None:
    every = {
        "sign_up": "open",
        "email_verification": "optional",
        "email_sign_in": "on",
        "password_min_length": 12,
        "session_days": 1,
    }

    assert world.ok("PATCH", SETTINGS, "carol", json=every) == every
    assert world.ok("GET", SETTINGS, "alice") == every


def test_a_change_is_audited_with_the_values_before_and_after(world: AdminWorld) -> None:
    world.ok("PATCH", SETTINGS, "carol", json={"email_sign_in": "on", "sign_up": "closed"})

    [event] = settings_events(world)
    assert event["actor"] == "operator:carol@operators.example"
    assert event["target"] == "shop"
    # Only what changed: sign_up was closed already.
    assert event["details"] == {"from": {"email_sign_in": "off"}, "to": {"email_sign_in": "on"}}


def test_an_empty_or_unchanged_patch_changes_nothing_and_audits_nothing(
    world: AdminWorld,
) -> None:
    for body in ({}, {"sign_up": None}, {"session_days": 7}):
        assert world.ok("PATCH", SETTINGS, "alice", json=body) == DEFAULTS

    assert settings_events(world) == []


def test_an_unknown_setting_is_a_400_naming_it_and_nothing_changes(world: AdminWorld) -> None:
    body = refused(world, {"sign_up": "open", "signup": "open"})

    assert body["error"] == "invalid_request"
    assert body["fields"] == ["signup"]
    assert "signup: Extra inputs are not permitted" in body["message"]
    assert world.ok("GET", SETTINGS, "alice") == DEFAULTS


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sign_up", "maybe"),
        ("sign_up", True),
        ("email_verification", "sometimes"),
        ("email_sign_in", 1),
        ("password_min_length", 7),
        ("password_min_length", 129),
        ("password_min_length", "12"),
        ("password_min_length", True),
        ("password_min_length", 12.5),
        ("session_days", 0),
        ("session_days", 366),
    ],
)
def test_an_invalid_value_is_a_400_naming_its_field_without_echoing_it_and_nothing_changes(
    world: AdminWorld, field: str, value: Any
) -> None:
    body = refused(world, {"session_days": 30, field: value})

    assert body["error"] == "invalid_request"
    assert body["fields"] == [field]
    assert body["message"].startswith(f"the request is malformed: {field}: ")
    if isinstance(value, str):
        assert value not in body["message"]
    assert world.ok("GET", SETTINGS, "alice") == DEFAULTS


def test_a_body_that_is_not_an_object_is_a_400_naming_the_body(world: AdminWorld) -> None:
    for body in (None, ["sign_up"], "open"):
        assert refused(world, body)["fields"] == ["body"]


def test_a_viewer_may_not_change_the_policy_and_an_outsider_cannot_see_it(
    world: AdminWorld,
) -> None:
    viewer = world.call("PATCH", SETTINGS, "dave", json={"sign_up": "open"})
    assert viewer.status_code == 403, viewer.text
    assert viewer.json()["error"] == "forbidden"
    for method, body in (("GET", None), ("PATCH", {"sign_up": "open"})):
        outsider = world.call(method, SETTINGS, "bob", json=body)
        assert outsider.status_code == 404, outsider.text

    assert world.ok("GET", SETTINGS, "alice") == DEFAULTS
    assert settings_events(world) == []


def test_settings_of_an_unknown_organization_are_not_found(world: AdminWorld) -> None:
    for method, body in (("GET", None), ("PATCH", {"sign_up": "open"})):
        response = world.call(method, "/orgs/no-such-org/settings", "root", json=body)
        assert response.status_code == 404, response.text
