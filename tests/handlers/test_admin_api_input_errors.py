"""The admin API's answers to odd input: every 4xx names the offending field, an empty
PATCH is a no-op (RFC 7396), and no body, however odd, is a 500. On SQLite and PostgreSQL
(PostgreSQL refuses NUL characters, over-long varchars and out-of-range integers that
SQLite stores)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from idgate.kernel.runtime import Runtime
from tests.handlers.admin_fixtures import (
    OPERATOR_PASSWORD,
    SHOP_REDIRECT,
    AdminWorld,
    build_world,
    use_cheap_password_hashing,
)
from tests.handlers.upstream_fixtures import github_body

SIGN_UP = {"email": "erin@operators.example", "password": OPERATOR_PASSWORD}


@pytest.fixture
def world(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[AdminWorld]:
    use_cheap_password_hashing(monkeypatch)
    with ExitStack() as stack:
        yield build_world(rt, stack)


def refusal_naming(response: httpx.Response, *fields: str) -> dict[str, Any]:
    """The response is a JSON 400 whose message and ``fields`` name exactly ``fields``."""
    assert response.status_code == 400, response.text
    body = dict(response.json())
    assert body["error"] == "invalid_request", body
    assert body["fields"] == list(fields), body
    assert all(f"{field}:" in body["message"] for field in fields), body
    return body


def test_an_empty_patch_changes_nothing_and_answers_the_application(world: AdminWorld) -> None:
    before = world.ok("GET", "/orgs/shop/apps/shop-web", "alice")

    for body in ({}, {"name": None, "redirect_uris": None}, {"unknown": "ignored"}):
        assert world.ok("PATCH", "/orgs/shop/apps/shop-web", "alice", json=body) == before

    assert world.ok("GET", "/orgs/shop/apps/shop-web", "alice") == before


def test_an_empty_patch_is_still_refused_without_permission_or_application(
    world: AdminWorld,
) -> None:
    viewer = world.call("PATCH", "/orgs/shop/apps/shop-web", "dave", json={})
    assert viewer.status_code == 403, viewer.text
    missing = world.call("PATCH", "/orgs/shop/apps/nope", "alice", json={})
    assert missing.status_code == 404, missing.text


def test_a_sign_up_without_a_required_field_names_it(world: AdminWorld) -> None:
    refused = world.call("POST", "/signup", None, json={**SIGN_UP})
    refusal_naming(refused, "organization")
    refused = world.call("POST", "/signup", None, json={**SIGN_UP, "organization": {}})
    refusal_naming(refused, "organization.slug")


def test_a_misnamed_field_is_named_as_the_missing_one(world: AdminWorld) -> None:
    # The models ignore unknown fields, so a misspelt required one is reported missing.
    body = {"e_mail": SIGN_UP["email"], "password": OPERATOR_PASSWORD}
    refused = world.call("POST", "/signup", None, json={**body, "organization": {"slug": "x"}})
    assert "Field required" in refusal_naming(refused, "email")["message"]


def test_a_field_of_the_wrong_type_is_named_without_echoing_its_value(world: AdminWorld) -> None:
    body = {**SIGN_UP, "password": 12345678, "organization": {"slug": ["bakery"]}}
    refused = refusal_naming(
        world.call("POST", "/signup", None, json=body), "password", "organization.slug"
    )
    assert "12345678" not in refused["message"]
    short = {**SIGN_UP, "password": "short", "organization": {"slug": "bakery"}}
    refused = world.call("POST", "/signup", None, json=short)
    assert "short" not in refusal_naming(refused, "password")["message"]


def test_a_body_that_is_not_json_is_named_as_the_body(world: AdminWorld) -> None:
    refused = world.client.post(
        "/api/v1/signup", content=b"{not json", headers={"content-type": "application/json"}
    )
    refusal_naming(refused, "body")
    refusal_naming(world.call("POST", "/signup", None), "body")


def test_a_json_body_that_is_not_utf8_is_named_as_the_body(world: AdminWorld) -> None:
    # Found by tests/handlers/test_admin_api_schema_fuzz.py: the framework's own 400
    # ("There was an error parsing the body") named no field.
    refused = world.client.post(
        "/api/v1/orgs",
        content=b'{"slug": "\xff"}',
        headers={"content-type": "application/json", **world.headers("alice")},
    )
    refusal_naming(refused, "body")


def test_a_query_parameter_out_of_range_is_named(world: AdminWorld) -> None:
    refused = world.call("GET", "/orgs/shop/customers", "alice", params={"limit": 0})
    refusal_naming(refused, "limit")


def test_a_negative_tier_limit_is_refused_naming_the_limit(world: AdminWorld) -> None:
    refused = world.call("PATCH", "/tiers/pro", json={"max_monthly_active_customers": -1})
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"] == "validation_failed"
    assert refused.json()["message"].startswith("max_monthly_active_customers:")
    assert refused.json()["fields"] == ["max_monthly_active_customers"]


# A value of the right type that breaks a rule of the core (not of the request's schema):
# a ``validation_failed`` that names its field as well.
RULE_BREAKING = [
    ("POST", "/orgs/shop/apps", {**{"client_id": "r"}, "redirect_uris": ["http://x.example/cb"]},
     "redirect_uris"),
    ("POST", "/orgs/shop/apps", {"client_id": "r", "redirect_uris": [SHOP_REDIRECT],
     "post_logout_redirect_uris": ["https://x.example/#f"]}, "post_logout_redirect_uris"),
    ("POST", "/orgs/shop/apps", {"client_id": "r", "redirect_uris": [SHOP_REDIRECT],
     "scopes": ["admin"]}, "scopes"),
    ("POST", "/orgs/shop/apps", {"client_id": "r", "grants": ["password"]}, "grants"),
    ("POST", "/orgs/shop/apps", {"client_id": "r"}, "redirect_uris"),
    ("POST", "/orgs/shop/apps", {"client_id": "r", "client_type": "public",
     "grants": ["client_credentials"]}, "client_type"),
    ("POST", "/orgs", {"slug": "-bad-"}, "slug"),
    ("POST", "/orgs/shop/members", {"email": "x@ops.example", "role": "king"}, "role"),
    ("GET", "/orgs/shop/customers?cursor=%%%", None, "cursor"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "body", "field"), RULE_BREAKING)
def test_a_core_rule_refusal_names_its_field(
    world: AdminWorld, method: str, path: str, body: dict[str, Any] | None, field: str
) -> None:
    refused = world.call(method, path, "alice" if "/orgs/shop" in path else "root", json=body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["fields"] == [field], refused.json()


APP = {"client_id": "odd", "redirect_uris": [SHOP_REDIRECT]}
HUGE = "x" * 100_000

# (method, path, body, the field the refusal names): values each database stores
# differently or not at all, which must all be the same 400 rather than a driver's 500.
ODD_BODIES = [
    ("PATCH", "/orgs/shop/apps/shop-web", {"name": HUGE}, "name"),
    ("PATCH", "/orgs/shop/apps/shop-web", {"name": "a\x00b"}, "name"),
    ("PATCH", "/orgs/shop/apps/shop-web", {"redirect_uris": "https://x"}, "redirect_uris"),
    ("PATCH", "/orgs/shop/apps/shop-web", {"scopes": [None]}, "scopes.0"),
    ("PATCH", "/orgs/shop/apps/shop-web", {"scopes": ["openid\x00"]}, "scopes.0"),
    ("POST", "/orgs/shop/apps", {**APP, "client_id": HUGE}, "client_id"),
    ("POST", "/orgs/shop/apps", {**APP, "client_id": "\x00"}, "client_id"),
    ("POST", "/orgs/shop/apps", {**APP, "name": "\x00"}, "name"),
    ("POST", "/orgs/shop/apps", {**APP, "client_type": None}, "client_type"),
    ("PATCH", "/tiers/pro", {"max_applications": 10**30}, "max_applications"),
    (
        "PATCH",
        "/tiers/pro",
        {"max_monthly_active_customers": 2**31},
        "max_monthly_active_customers",
    ),
    ("PATCH", "/tiers/pro", {"byo_oauth_allowed": []}, "byo_oauth_allowed"),
    ("PUT", "/orgs/shop/tier", {"tier": None}, "tier"),
    ("POST", "/orgs/shop/members", {"email": "\x00", "role": "viewer"}, "email"),
    ("POST", "/orgs/shop/customers", {"email": HUGE}, "email"),
    ("POST", "/orgs/shop/customers", {"email": "c@x.example", "name": "\x00"}, "name"),
    ("POST", "/orgs", {"slug": HUGE}, "slug"),
    ("POST", "/orgs", {"slug": "odd", "name": "\x00"}, "name"),
    ("POST", "/signup", {**SIGN_UP, "organization": {"slug": HUGE}}, "organization.slug"),
    ("POST", "/signup", {**SIGN_UP, "name": "\x00", "organization": {"slug": "o"}}, "name"),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), ODD_BODIES)
def test_an_odd_value_is_a_400_naming_its_field_not_a_500(
    world: AdminWorld, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    refusal_naming(world.call(method, path, json=body), field)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/tiers/pro", {"max_applications": True}, "max_applications"),
        ("/tiers/pro", {"max_monthly_active_customers": "5"}, "max_monthly_active_customers"),
        ("/tiers/pro", {"byo_oauth_allowed": 1}, "byo_oauth_allowed"),
        ("/orgs/shop/connections/github", github_body(enabled="yes"), "enabled"),
    ],
)
def test_a_number_or_flag_of_another_json_type_is_refused_not_coerced(
    world: AdminWorld, path: str, body: dict[str, Any], field: str
) -> None:
    # Found by tests/handlers/test_admin_api_schema_fuzz.py: pydantic's lax mode took
    # ``true`` for a limit of 1 application, where the document says integer.
    method = "PATCH" if path.startswith("/tiers") else "PUT"
    before = world.ok("GET", "/tiers")
    refusal_naming(world.call(method, path, json=body), field)
    assert world.ok("GET", "/tiers") == before


@pytest.mark.parametrize("body", [None, [], "x", 1, {"a": None}, {"": ""}])
def test_no_body_of_any_shape_makes_a_patch_or_post_fail_with_a_500(
    world: AdminWorld, body: Any
) -> None:
    for method, path, _, _ in ODD_BODIES:
        answer = world.call(method, path, json=body)
        assert answer.status_code < 500, (method, path, body, answer.text)
