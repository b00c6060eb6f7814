"""Upstream sign-in failures (issue "Bring your own OAuth"): a bad, replayed or foreign
``state``, a denial at the upstream, an upstream that is down or refuses the code, an
expired flow, an unknown or disabled connection, an expired sign-in. Each answers with a
plain message, on the sign-in page when there is one: never a 500, never a session, never a
redirect to the application. And the flows in flight stay bounded, and are purged."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest

from idgate.control.connections_admin import put_upstream_connection
from idgate.control.rbac import LOCAL_OPERATOR
from idgate.identity.upstream.connections import ConnectionSettings
from idgate.identity.upstream.flow_state import FLOW_LIFETIME
from idgate.kernel.runtime import Runtime
from idgate.oauth.retention import purge_expired
from idgate.storage.tenant_scope import ALL_TENANTS, scoped
from tests.conftest import FakeClock, TenantFixture
from tests.flows import Browser, hidden, new_authorization, query_of
from tests.protocol.upstream_flows import (
    CALLBACK,
    GitHubWorld,
    at_github,
    back_at_idgate,
    connect_github,
    disable_github,
    flow_count,
    identity_rows,
    pending_interaction,
    start,
    verified,
)
from tests.standins.github import GitHubStandIn

USED_UP = "This sign-in has expired or was already used. Start again."


@pytest.fixture
def world(
    rt: Runtime,
    acme: TenantFixture,
    github_standin: GitHubStandIn,
    monkeypatch: pytest.MonkeyPatch,
) -> GitHubWorld:
    github_world = connect_github(rt, acme, github_standin, monkeypatch)
    github_standin.add_user("octocat", id=583231, emails=verified("octocat@example.com"))
    return github_world


def _approved(world: GitHubWorld, browser: Browser | None = None) -> tuple[str, str]:
    """A sign-in approved at GitHub, its callback not yet opened: (interaction, callback)."""
    browser = browser or world.browser
    interaction = pending_interaction(browser, new_authorization())
    return interaction, at_github(world, start(browser, interaction))


def assert_refused(
    answer: httpx.Response, message: str, *, interaction: str | None = None, status: int = 400
) -> None:
    """A page with ``message``: the sign-in page of ``interaction`` (to try again) when
    given, else an error page; no session, no redirect anywhere."""
    assert answer.status_code == status, answer.text
    assert "location" not in answer.headers
    assert "idgate_session" not in answer.cookies
    assert message in answer.text
    if interaction is not None:
        assert hidden(answer.text, "interaction") == interaction
        assert "Continue with GitHub" in answer.text
    else:
        assert 'name="password"' not in answer.text


# --- the callback ------------------------------------------------------------------------


def test_a_callback_with_a_forged_or_no_state_is_refused_and_the_real_one_still_works(
    world: GitHubWorld,
) -> None:
    _, callback = _approved(world)
    code = query_of(callback)["code"]
    for forged in ({"code": code, "state": "forged-state"}, {"code": code}):
        assert_refused(back_at_idgate(world.browser, f"{CALLBACK}?{urlencode(forged)}"), USED_UP)

    genuine = back_at_idgate(world.browser, callback)
    assert genuine.status_code == 302
    assert genuine.headers["location"].startswith("/t/acme/authorize/resume?")


def test_a_replayed_callback_is_refused(world: GitHubWorld) -> None:
    _, callback = _approved(world)
    first = back_at_idgate(world.browser, callback)
    assert first.status_code == 302, first.text

    assert_refused(back_at_idgate(world.browser, callback), USED_UP)
    assert len(identity_rows(world.rt)) == 1


def test_the_flow_is_bound_to_the_browser_that_started_it(world: GitHubWorld) -> None:
    interaction = pending_interaction(world.browser, new_authorization())
    to_github = start(world.browser, interaction)
    cookie = to_github.headers["set-cookie"].lower()
    assert cookie.startswith("idgate_upstream=")
    for attribute in ("httponly", "samesite=lax", "path=/t/acme/upstream/", "max-age=600"):
        assert attribute in cookie
    callback = at_github(world, to_github)

    assert_refused(back_at_idgate(world.new_browser(), callback), USED_UP)
    assert identity_rows(world.rt) == []


def test_a_callback_after_the_flow_expired_is_refused(world: GitHubWorld, clock: FakeClock) -> None:
    _, callback = _approved(world)
    clock.advance(FLOW_LIFETIME + 1)
    assert_refused(back_at_idgate(world.browser, callback), USED_UP)
    assert identity_rows(world.rt) == []


# --- the upstream ------------------------------------------------------------------------


def test_a_denial_at_github_comes_back_to_the_sign_in_page(world: GitHubWorld) -> None:
    for cancel_button in (False, True):
        if not cancel_button:
            world.github.deny_next()  # GitHub answers access_denied at once
        interaction = pending_interaction(world.browser, new_authorization())
        callback = at_github(world, start(world.browser, interaction), authorize=False)
        assert query_of(callback)["error"] == "access_denied"

        answer = back_at_idgate(world.browser, callback)
        assert_refused(answer, "Signing in with GitHub was cancelled.", interaction=interaction)
        assert "The user has denied" not in answer.text  # GitHub's own words are not shown
    assert identity_rows(world.rt) == []


def test_github_down_or_unreachable_at_the_code_exchange_comes_back_to_the_sign_in_page(
    world: GitHubWorld,
) -> None:
    interaction, callback = _approved(world)
    world.github.set_down(True)  # GitHub's 503 "Unicorn!" page
    answer = back_at_idgate(world.browser, callback)
    assert_refused(
        answer, "GitHub is not available right now. Try again in a moment.", interaction=interaction
    )
    assert "Unicorn" not in answer.text

    world.github.set_down(False)
    interaction, callback = _approved(world)
    world.github.stop()  # nothing listens any more
    answer = back_at_idgate(world.browser, callback)
    message = "GitHub could not be reached. Try again in a moment."
    assert_refused(answer, message, interaction=interaction)
    assert identity_rows(world.rt) == []


def test_githubs_200_with_an_error_is_an_error(world: GitHubWorld) -> None:
    interaction, callback = _approved(world)
    tampered = {**query_of(callback), "code": "0123456789abcdef0123"}

    answer = back_at_idgate(world.browser, f"{CALLBACK}?{urlencode(tampered)}")
    assert_refused(answer, "GitHub did not accept the sign-in. Try again.", interaction=interaction)
    assert "bad_verification_code" not in answer.text
    [exchange] = world.github.token_requests
    assert exchange.headers["accept"] == "application/json"


# --- /start ------------------------------------------------------------------------------


def test_start_at_an_unknown_or_disabled_connection_is_refused(
    world: GitHubWorld, rt: Runtime
) -> None:
    interaction = pending_interaction(world.browser, new_authorization())
    for connection_id in ("gitlab", "GitHub", "a" * 64, "git%00hub"):
        answer = world.browser.get(
            f"/t/acme/upstream/{connection_id}/start?interaction={interaction}"
        )
        assert answer.status_code == 404, (connection_id, answer.text)
        assert "location" not in answer.headers

    disable_github(rt)
    login = world.browser.get(f"/t/acme/login?interaction={interaction}")
    assert "Continue with GitHub" not in login.text
    answer = start(world.browser, interaction)
    assert answer.status_code == 404, answer.text
    assert "location" not in answer.headers
    assert flow_count(rt) == 0


def test_an_unreachable_openid_upstream_at_start_comes_back_to_the_sign_in_page(
    world: GitHubWorld, rt: Runtime
) -> None:
    settings = ConnectionSettings(
        provider="oidc",
        client_id="corp",
        client_secret="corp-secret-0123456789",
        name="Corp SSO",
        issuer="http://127.0.0.1:9",  # nothing listens there: discovery cannot be fetched
    )
    with scoped(ALL_TENANTS):
        put_upstream_connection(rt, LOCAL_OPERATOR, "acme", "corp", settings)
    interaction = pending_interaction(world.browser, new_authorization())
    answer = world.browser.get(f"/t/acme/upstream/corp/start?interaction={interaction}")
    assert answer.status_code == 502, answer.text
    assert "Corp SSO could not be reached. Try again in a moment." in answer.text
    assert 'name="password"' in answer.text and "location" not in answer.headers
    assert flow_count(rt) == 0


def test_start_without_a_pending_sign_in_is_refused(world: GitHubWorld, clock: FakeClock) -> None:
    expired = pending_interaction(world.browser, new_authorization())
    clock.advance(3600)
    for query in (
        "",
        "?interaction=",
        "?interaction=no-such-interaction",
        f"?interaction={expired}",
    ):
        answer = world.browser.get(f"/t/acme/upstream/github/start{query}")
        assert 400 <= answer.status_code < 500, (query, answer.text)
        assert "location" not in answer.headers
    assert flow_count(world.rt) == 0


# --- bounded storage ---------------------------------------------------------------------


def test_starting_again_replaces_the_flow_of_the_same_sign_in(world: GitHubWorld) -> None:
    interaction = pending_interaction(world.browser, new_authorization())
    for _ in range(5):
        assert start(world.browser, interaction).status_code == 302
    assert flow_count(world.rt) == 1
    # Another pending sign-in has a flow of its own.
    other = world.new_browser()
    start(other, pending_interaction(other, new_authorization()))
    assert flow_count(world.rt) == 2


def test_expired_flows_are_purged(world: GitHubWorld, rt: Runtime, clock: FakeClock) -> None:
    for _ in range(3):
        browser = world.new_browser()
        start(browser, pending_interaction(browser, new_authorization()))
    assert flow_count(rt) == 3
    assert purge_expired(rt)["upstream_flows"] == 0

    clock.advance(FLOW_LIFETIME + 1)
    assert purge_expired(rt)["upstream_flows"] == 3
    assert flow_count(rt) == 0
