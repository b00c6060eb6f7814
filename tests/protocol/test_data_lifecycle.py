"""The purge against real flows (security issue "Data lifecycle"): anonymous authorize and
device requests leave nothing behind once their interactions expire, a refresh token still
valid keeps working and reuse detection keeps revoking, and the platform server runs the
purge in the background for as long as its lifespan lasts."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from idgate.identity.interactions import INTERACTION_LIFETIME
from idgate.kernel.runtime import Runtime
from idgate.oauth.retention import purge_expired
from idgate.storage import database
from idgate.storage.tables import interactions, token_families
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from local.server import build_app
from tests.conftest import WEB_SECRET, FakeClock, TenantFixture
from tests.flows import (
    WEB_REDIRECT,
    Browser,
    authorize_code,
    basic,
    new_authorization,
    token_request,
)

WEB_AUTH = basic("web", WEB_SECRET)
DAY = 24 * 3600


def _count(rt: Runtime, table: Any) -> int:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _tokens(browser: Browser, acme: TenantFixture) -> dict[str, Any]:
    auth = new_authorization()
    data = {
        "grant_type": "authorization_code",
        "code": authorize_code(browser, acme, auth),
        "redirect_uri": WEB_REDIRECT,
        "code_verifier": auth.verifier,
    }
    response = token_request(browser.client, "acme", data, WEB_AUTH)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _refresh(client: TestClient, token: str) -> Any:
    data = {"grant_type": "refresh_token", "refresh_token": token}
    return token_request(client, "acme", data, WEB_AUTH)


def _is_active(client: TestClient, token: str) -> bool:
    response = client.post("/t/acme/introspect", data={"token": token}, headers=WEB_AUTH)
    return bool(response.json()["active"])


def test_anonymous_authorize_and_device_gets_leave_no_interaction_after_the_purge(
    rt: Runtime, browser: Browser, clock: FakeClock
) -> None:
    for _ in range(200):
        assert browser.authorize(new_authorization()).status_code == 302
    for _ in range(5):
        assert browser.get("/t/acme/device").status_code == 302
    assert _count(rt, interactions) == 205
    clock.advance(INTERACTION_LIFETIME - 1)
    assert purge_expired(rt)["interactions"] == 0
    clock.advance(1)  # ten minutes after the last request
    assert purge_expired(rt)["interactions"] == 205
    assert _count(rt, interactions) == 0


def test_a_refresh_token_still_valid_keeps_working_after_a_purge(
    rt: Runtime, browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    tokens = _tokens(browser, acme)
    assert purge_expired(rt)["token_families"] == 0
    assert _is_active(browser.client, tokens["access_token"])
    clock.advance(29 * DAY)  # the web client's refresh tokens live 30 days
    assert purge_expired(rt)["token_families"] == 0
    rotated = _refresh(browser.client, tokens["refresh_token"])
    assert rotated.status_code == 200, rotated.text
    assert _is_active(browser.client, rotated.json()["access_token"])
    clock.advance(29 * DAY)  # the first token long expired; its successor is not
    assert purge_expired(rt)["token_families"] == 0
    assert _refresh(browser.client, rotated.json()["refresh_token"]).status_code == 200


def test_a_family_past_its_lifetime_is_purged_and_its_tokens_stay_refused(
    rt: Runtime, browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    tokens = _tokens(browser, acme)
    clock.advance(31 * DAY)
    assert purge_expired(rt)["token_families"] == 1
    refused = _refresh(browser.client, tokens["refresh_token"])
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_reuse_detection_still_works_on_a_family_within_its_lifetime(
    rt: Runtime, browser: Browser, acme: TenantFixture, clock: FakeClock
) -> None:
    first = _tokens(browser, acme)
    second = _refresh(browser.client, first["refresh_token"]).json()
    clock.advance(2 * DAY)
    assert purge_expired(rt)["token_families"] == 0
    reused = _refresh(browser.client, first["refresh_token"])
    assert reused.json()["error"] == "invalid_grant"
    # The reuse revoked the family: the successor and its access token are dead too.
    assert _refresh(browser.client, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert not _is_active(browser.client, second["access_token"])
    # A revoked family is purged; its tokens read as unknown, so stay refused.
    assert purge_expired(rt)["token_families"] == 1
    assert _count(rt, token_families) == 0
    assert _refresh(browser.client, second["refresh_token"]).json()["error"] == "invalid_grant"
    assert not _is_active(browser.client, second["access_token"])


def _wait_until(condition: Any, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


@pytest.mark.usefixtures("acme")
def test_the_platform_server_purges_in_the_background_during_its_lifespan(
    rt: Runtime, clock: FakeClock
) -> None:
    rt.settings = rt.settings.model_copy(update={"purge_interval_seconds": 0.05})
    with TestClient(build_app(), base_url="http://testserver") as client:
        browser = Browser(client)
        for _ in range(3):
            assert browser.authorize(new_authorization()).status_code == 302
        assert _count(rt, interactions) == 3
        clock.advance(INTERACTION_LIFETIME)
        assert _wait_until(lambda: _count(rt, interactions) == 0)


@pytest.mark.usefixtures("acme")
def test_an_interval_of_zero_disables_the_background_purge(rt: Runtime, clock: FakeClock) -> None:
    rt.settings = rt.settings.model_copy(update={"purge_interval_seconds": 0})
    with TestClient(build_app(), base_url="http://testserver") as client:
        assert Browser(client).authorize(new_authorization()).status_code == 302
        clock.advance(INTERACTION_LIFETIME)
        time.sleep(0.3)
        assert _count(rt, interactions) == 1
