"""Single-use artifacts under concurrency: two simultaneous redemptions of one authorization
code (RFC 6749 §4.1.2), of one refresh token (RFC 9700 §4.14.2) or of one approved device
code (RFC 8628 §3.4) yield exactly one success, on SQLite and on PostgreSQL.

Each race calls the core from two threads released together by a barrier, and is repeated
so that both orderings (second reader before or after the first commit) are exercised. The
loser is a replay: it gets invalid_grant and revokes the family the winner was issued from.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from idgate.kernel.errors import OAuthError
from idgate.kernel.runtime import Runtime
from idgate.oidc.token_endpoint import exchange
from idgate.storage.tenant_scope import scoped
from idgate.tenancy.tenants import Tenant, serving_tenant
from tests.conftest import WEB_SECRET, TenantFixture
from tests.flows import (
    WEB_REDIRECT,
    Browser,
    authorize_code,
    basic,
    hidden,
    new_authorization,
    token_request,
)

ROUNDS = 15
WEB_AUTHORIZATION = basic("web", WEB_SECRET)["Authorization"]
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

Outcome = tuple[str, dict[str, Any] | None]


@pytest.fixture
def tenant(rt: Runtime, acme: TenantFixture, client: TestClient) -> Iterator[Tenant]:
    client.get("/t/acme/jwks")  # create the signing keys before any race
    resolved = serving_tenant(rt, "acme")
    # The tests call the core as the token route does: under the tenant's scope
    # (idgate.web.deps._tenant); the race's threads set it again (they start unscoped).
    with scoped(resolved.id):
        yield resolved


def race(
    rt: Runtime, tenant: Tenant, requests: list[tuple[str | None, Mapping[str, str]]]
) -> list[Outcome]:
    """Send the token requests at the same instant, one thread each; return each outcome as
    ("ok", body) or (error code, None)."""
    barrier = threading.Barrier(len(requests))

    def send(request: tuple[str | None, Mapping[str, str]]) -> Outcome:
        authorization, form = request
        barrier.wait(timeout=10)
        try:
            with scoped(tenant.id):
                return "ok", exchange(rt, tenant, authorization=authorization, form=form)
        except OAuthError as exc:
            return exc.error, None

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def only_winner(outcomes: list[Outcome]) -> dict[str, Any]:
    assert sorted(error for error, _ in outcomes) == ["invalid_grant", "ok"], outcomes
    return next(body for error, body in outcomes if body is not None)


def code_form(browser: Browser, acme: TenantFixture) -> dict[str, str]:
    auth = new_authorization()
    return {
        "grant_type": "authorization_code",
        "code": authorize_code(browser, acme, auth),
        "redirect_uri": WEB_REDIRECT,
        "code_verifier": auth.verifier,
    }


def assert_family_revoked(client: TestClient, winner: dict[str, Any]) -> None:
    data = {"grant_type": "refresh_token", "refresh_token": winner["refresh_token"]}
    refreshed = token_request(client, "acme", data, basic("web", WEB_SECRET))
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    active = client.post(
        "/t/acme/introspect",
        data={"token": winner["access_token"]},
        headers=basic("web", WEB_SECRET),
    )
    assert active.json() == {"active": False}


def test_concurrent_redemptions_of_one_code_yield_exactly_one_success(
    rt: Runtime, tenant: Tenant, browser: Browser, acme: TenantFixture
) -> None:
    """RFC 6749 §4.1.2: the code MUST NOT be used more than once, even by two requests in
    flight together; the replay revokes what the code issued (§4.1.2 SHOULD)."""
    for _ in range(ROUNDS):
        form = code_form(browser, acme)
        winner = only_winner(race(rt, tenant, [(WEB_AUTHORIZATION, form)] * 2))
        assert winner["access_token"] and winner["refresh_token"]
        assert_family_revoked(browser.client, winner)


def test_concurrent_uses_of_one_refresh_token_yield_exactly_one_success(
    rt: Runtime, tenant: Tenant, browser: Browser, acme: TenantFixture
) -> None:
    """RFC 9700 §4.14.2: a rotated refresh token is single-use; of two concurrent uses one
    wins, the other is reuse and revokes the family, the winner's new token included."""
    for _ in range(ROUNDS):
        issued = exchange(
            rt, tenant, authorization=WEB_AUTHORIZATION, form=code_form(browser, acme)
        )
        form = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
        winner = only_winner(race(rt, tenant, [(WEB_AUTHORIZATION, form)] * 2))
        assert winner["refresh_token"] != issued["refresh_token"]
        assert_family_revoked(browser.client, winner)


def approve_device(browser: Browser, acme: TenantFixture, user_code: str) -> None:
    page = browser.get(f"/t/acme/device?user_code={user_code}")
    if page.status_code == 302:
        signed_in = browser.submit_login(page.headers["location"], acme.email, acme.password)
        page = browser.get(signed_in.headers["location"])
    assert page.status_code == 200, page.text
    done = browser.post(
        "/t/acme/device",
        {
            "csrf_token": hidden(page.text, "csrf_token"),
            "user_code": user_code,
            "decision": "approve",
        },
    )
    assert done.status_code == 200, done.text


def test_concurrent_polls_of_one_approved_device_code_yield_exactly_one_success(
    rt: Runtime, tenant: Tenant, browser: Browser, acme: TenantFixture
) -> None:
    """RFC 8628 §3.4-3.5: an approved device code is exchanged for tokens once."""
    for _ in range(ROUNDS):
        started = browser.client.post(
            "/t/acme/device_authorization",
            data={"client_id": "tv", "scope": "openid offline_access"},
        ).json()
        approve_device(browser, acme, started["user_code"])
        form = {
            "grant_type": DEVICE_GRANT,
            "device_code": started["device_code"],
            "client_id": "tv",
        }
        outcomes = race(rt, tenant, [(None, form)] * 2)
        winner = only_winner(outcomes)
        assert winner["access_token"]
