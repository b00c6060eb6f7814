"""The upstream token handoff (issue "Bring your own OAuth"): ``GET {issuer}/upstream/
{connection_id}/token`` gives an application holding a customer's access token with the
``upstream_token`` scope that customer's access token at their linked GitHub account, which
GitHub (the stand-in) then accepts; refreshed first when it expires within a minute, once
however many ask at the same time, never with the refresh token; every handoff audited."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from idgate.identity.upstream import handoff
from idgate.kernel.runtime import Runtime
from idgate.storage import database
from idgate.storage.tables import audit_events
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from local.server import build_app
from tests.conftest import FakeClock, TenantFixture
from tests.flows import WEB_REDIRECT, basic, new_authorization, query_of
from tests.protocol.upstream_flows import (
    TOOLBOX_SECRET,
    GitHubWorld,
    add_toolbox_client,
    connect_github,
    identity_rows,
    redeem,
    sign_in_with_github,
    toolbox_authorization,
    verified,
)
from tests.standins.github import GitHubStandIn

OCTO_ID = 583231
HANDOFF = "/t/acme/upstream/github/token"


@pytest.fixture
def world(
    rt: Runtime,
    acme: TenantFixture,
    github_standin: GitHubStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> GitHubWorld:
    github_world = connect_github(rt, acme, github_standin, monkeypatch)
    add_toolbox_client(rt)
    github_standin.add_user(
        "octocat", id=OCTO_ID, name="The Octocat", emails=verified("octocat@example.com")
    )
    return github_world


def _toolbox_token(world: GitHubWorld) -> str:
    """The access token ``toolbox`` gets for the customer signing in through GitHub."""
    auth = toolbox_authorization()
    redirect = sign_in_with_github(world, auth=auth)
    tokens = redeem(
        world.browser.client, redirect, auth, client_id="toolbox", secret=TOOLBOX_SECRET
    )
    assert "upstream_token" in tokens["scope"].split()
    return str(tokens["access_token"])


def _handoff(client: TestClient, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get(HANDOFF, headers=headers)


def _github_user(world: GitHubWorld, upstream_token: str) -> httpx.Response:
    """What GitHub's own API answers that token."""
    return httpx.get(
        f"{world.github.base_url}/user",
        headers={"Authorization": f"Bearer {upstream_token}", "User-Agent": "toolbox"},
    )


def _handed_over(rt: Runtime) -> list[dict[str, Any]]:
    with scoped(ALL_TENANTS), database.read(rt.engine) as conn:
        rows = conn.execute(
            select(audit_events).where(audit_events.c.action == "upstream_token.handed_over")
        )
        return [dict(row._mapping) for row in rows]


def test_the_application_gets_the_linked_github_token_which_github_accepts(
    world: GitHubWorld, rt: Runtime
) -> None:
    token = _toolbox_token(world)
    answer = _handoff(world.browser.client, token)

    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    upstream = body.pop("access_token")
    assert upstream.startswith("gho_")
    assert body == {
        "connection": "github",
        "provider": "github",
        "token_type": "Bearer",
        "expires_at": None,  # OAuth-app tokens never expire
        "scope": "read:user,user:email",  # as GitHub granted them
    }
    user = _github_user(world, upstream)
    assert user.status_code == 200
    assert user.json()["id"] == OCTO_ID
    # Sealed in the database: the token's text is nowhere in its row.
    [row] = identity_rows(rt)
    assert all(upstream.encode() not in bytes(str(value), "utf-8") for value in row.values())
    assert upstream.encode() not in row["access_token"]
    [event] = _handed_over(rt)
    assert (event["actor"], event["target"]) == ("client:toolbox", row["customer_id"])
    assert upstream not in str(event)


def test_the_consent_page_names_the_upstream_token_scope(
    world: GitHubWorld, acme: TenantFixture
) -> None:
    first = world.browser.authorize(toolbox_authorization())
    signed_in = world.browser.submit_login(first.headers["location"], acme.email, acme.password)
    resumed = world.browser.get(signed_in.headers["location"])
    assert resumed.headers["location"].startswith("/t/acme/consent?")

    page = world.browser.get(resumed.headers["location"])
    assert page.status_code == 200
    assert "Use your linked accounts on your behalf" in page.text


def test_a_token_without_the_upstream_token_scope_is_refused(world: GitHubWorld) -> None:
    auth = new_authorization()  # client web: openid profile email offline_access
    tokens = redeem(world.browser.client, sign_in_with_github(world, auth=auth), auth)

    answer = _handoff(world.browser.client, tokens["access_token"])
    assert answer.status_code == 403
    assert answer.json()["error"] == "insufficient_scope"
    assert answer.headers["www-authenticate"] == (
        'Bearer error="insufficient_scope", scope="upstream_token"'
    )
    assert "gho_" not in answer.text
    assert _handed_over(world.rt) == []


def test_no_token_or_a_garbage_token_is_refused(world: GitHubWorld) -> None:
    client = world.browser.client
    missing = _handoff(client, None)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert "error=" not in missing.headers["www-authenticate"]  # RFC 6750 §3.1: no code

    for garbage in ("garbage", "eyJhbGciOiJub25lIn0.e30."):
        answer = _handoff(client, garbage)
        assert answer.status_code == 401
        assert answer.json()["error"] == "invalid_token"
        assert 'error="invalid_token"' in answer.headers["www-authenticate"]
    basic_auth = client.get(HANDOFF, headers=basic("toolbox", TOOLBOX_SECRET))
    assert basic_auth.status_code == 401
    assert _handed_over(world.rt) == []


def test_a_revoked_token_is_refused(world: GitHubWorld) -> None:
    token = _toolbox_token(world)
    client = world.browser.client
    revoked = client.post(
        "/t/acme/revoke", data={"token": token}, headers=basic("toolbox", TOOLBOX_SECRET)
    )
    assert revoked.status_code == 200

    answer = _handoff(client, token)
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_token"


def test_a_customer_without_a_linked_account_gets_not_linked(
    world: GitHubWorld, acme: TenantFixture
) -> None:
    auth = toolbox_authorization()
    redirect = world.browser.sign_in(auth, acme.email, acme.password)
    tokens = redeem(
        world.browser.client, redirect, auth, client_id="toolbox", secret=TOOLBOX_SECRET
    )

    for path in (HANDOFF, "/t/acme/upstream/gitlab/token"):
        answer = world.browser.client.get(
            path, headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        assert answer.status_code == 404
        assert answer.json()["error"] == "not_linked"
        assert answer.json()["error_description"]


def test_a_client_without_upstream_token_in_its_scopes_cannot_ask_for_it(
    world: GitHubWorld,
) -> None:
    auth = new_authorization(scope="openid upstream_token")  # client web
    refused = world.browser.authorize(auth)

    assert refused.status_code == 302
    location = refused.headers["location"]
    assert location.startswith(f"{WEB_REDIRECT}?")
    assert query_of(location)["error"] == "invalid_scope"
    assert query_of(location)["state"] == auth.state
    assert "code" not in query_of(location)


# --- expiring upstream tokens --------------------------------------------------------------


def test_a_token_expiring_within_a_minute_is_refreshed_before_the_handoff(
    world: GitHubWorld, rt: Runtime, clock: FakeClock
) -> None:
    world.github.expiring_tokens = True  # a GitHub App: ghu_ tokens with ghr_ refresh tokens
    world.github.access_token_ttl = 90
    token = _toolbox_token(world)
    first = _handoff(world.browser.client, token).json()
    assert world.github.refresh_count == 0  # 90 s left: handed over as it is
    assert first["expires_at"] == int(clock.now + 90)

    clock.advance(40)  # 50 s left
    answer = _handoff(world.browser.client, token)

    assert answer.status_code == 200, answer.text
    second = answer.json()
    assert world.github.refresh_count == 1
    assert second["access_token"] != first["access_token"]
    assert second["expires_at"] == int(clock.now + 90)
    assert set(second) == {
        "connection",
        "provider",
        "access_token",
        "token_type",
        "expires_at",
        "scope",
    }
    assert "ghr_" not in answer.text  # the refresh token never leaves idgate
    assert _github_user(world, second["access_token"]).status_code == 200
    # GitHub rotated the refresh token and revoked the access token it came with.
    assert _github_user(world, first["access_token"]).status_code == 401
    assert len(_handed_over(rt)) == 2


def test_a_failed_refresh_hands_over_nothing_and_the_next_handoff_retries(
    world: GitHubWorld, rt: Runtime, clock: FakeClock
) -> None:
    world.github.expiring_tokens = True
    world.github.access_token_ttl = 90
    token = _toolbox_token(world)
    clock.advance(40)
    world.github.set_down(True)

    failed = _handoff(world.browser.client, token)
    assert failed.status_code == 502, failed.text  # the upstream's fault, not the caller's
    assert failed.json()["error"] == "upstream_failed"
    assert "ghu_" not in failed.text  # not the token about to expire either
    assert _handed_over(rt) == []

    world.github.set_down(False)  # GitHub is back: the refresh lease was given up
    answer = _handoff(world.browser.client, token)
    assert answer.status_code == 200, answer.text
    assert world.github.refresh_count == 1
    assert _github_user(world, answer.json()["access_token"]).status_code == 200


def test_concurrent_handoffs_refresh_once(
    world: GitHubWorld, rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.github.expiring_tokens = True
    world.github.access_token_ttl = 30  # due at once
    token = _toolbox_token(world)
    # The refresh takes a moment at GitHub, so the second handoff arrives during it.
    slow_request = handoff.token_request

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return slow_request(*args, **kwargs)

    monkeypatch.setattr(handoff, "token_request", slow)
    start = threading.Barrier(2)
    answers: list[httpx.Response] = []

    def hand_over(client: TestClient) -> None:
        start.wait()
        answers.append(_handoff(client, token))

    # Each its own app and client, built and warmed up here: pydantic's lazy schema building
    # warns when two threads race through it (UnsupportedFieldAttributeWarning).
    clients = [TestClient(build_app(), base_url="http://testserver") for _ in range(2)]
    for client in clients:
        assert _handoff(client, None).status_code == 401
    threads = [threading.Thread(target=hand_over, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert world.github.refresh_count == 1
    handed = {a.json()["access_token"] for a in answers}
    assert len(handed) == 1
    assert _github_user(world, handed.pop()).status_code == 200
    assert len(_handed_over(rt)) == 2
