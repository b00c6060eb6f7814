"""Secrets never logged: real flows run through the platform app with logs captured at
INFO (structlog's JSON lines on stdout, and any standard-library record), and no log line
holds a password, a client secret, a code, a token, a session cookie, the master key or
the database password; nor, for sign-in through an upstream (the GitHub stand-in), the
upstream client secret, codes, PKCE verifiers, state, flow cookie, or access and refresh
tokens."""

from __future__ import annotations

import base64
import logging
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from idgate.kernel.runtime import Runtime
from idgate.observability.logging import configure_logging
from local.server import build_app
from tests.conftest import (
    MASTER_KEY,
    PASSWORD,
    SERVICE_SECRET,
    WEB_SECRET,
    FakeClock,
    TenantFixture,
)
from tests.flows import (
    WEB_REDIRECT,
    Browser,
    basic,
    hidden,
    new_authorization,
    query_of,
    token_request,
)
from tests.protocol.upstream_flows import (
    CALLBACK,
    GITHUB_SECRET,
    TOOLBOX_SECRET,
    GitHubWorld,
    add_toolbox_client,
    at_github,
    back_at_idgate,
    connect_github,
    pending_interaction,
    redeem,
    start,
    through_github,
    toolbox_authorization,
    verified,
)
from tests.standins.github import GitHubStandIn

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
WEB_AUTH = basic("web", WEB_SECRET)


def _run_flows(browser: Browser, acme: TenantFixture, clock: FakeClock, secrets: set[str]) -> None:
    client = browser.client

    # Authorization code with PKCE: a failed and a good password sign-in, consent.
    auth = new_authorization()
    first = browser.authorize(auth)
    login = browser.get(first.headers["location"])
    failed = browser.post(
        "/t/acme/login",
        {
            "interaction": hidden(login.text, "interaction"),
            "csrf_token": hidden(login.text, "csrf_token"),
            "email": acme.email,
            "password": "wrong-password-5e1d",
        },
    )
    assert failed.status_code == 401
    secrets.update({"wrong-password-5e1d", hidden(login.text, "csrf_token")})
    signed_in = browser.submit_login(first.headers["location"], acme.email, acme.password)
    secrets.add(client.cookies["idgate_session"])
    code = query_of(browser.follow_to_redirect_uri(signed_in))["code"]
    secrets.update({code, auth.verifier})

    # Token exchange (the code's replay comes last: it revokes what the code granted).
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": WEB_REDIRECT,
        "code_verifier": auth.verifier,
    }
    tokens = token_request(client, "acme", exchange, WEB_AUTH)
    assert tokens.status_code == 200, tokens.text
    first_tokens = tokens.json()
    secrets.update(first_tokens[k] for k in ("access_token", "refresh_token", "id_token"))

    # Wrong client secrets, in the header and in the body.
    wrong = token_request(client, "acme", exchange, basic("web", "wrong-secret-77ab"))
    assert wrong.status_code == 401
    body_secret = {**exchange, "client_id": "web", "client_secret": "wrong-secret-88cd"}
    assert token_request(client, "acme", body_secret).status_code == 401
    secrets.update({"wrong-secret-77ab", "wrong-secret-88cd"})

    # Userinfo, refresh (and a reuse of the rotated refresh token), introspection.
    bearer = {"Authorization": f"Bearer {first_tokens['access_token']}"}
    assert client.get("/t/acme/userinfo", headers=bearer).status_code == 200
    grant = {"grant_type": "refresh_token", "refresh_token": first_tokens["refresh_token"]}
    refreshed = token_request(client, "acme", grant, WEB_AUTH)
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()
    secrets.update(second[k] for k in ("access_token", "refresh_token", "id_token"))
    for token in (second["access_token"], second["refresh_token"], "not-a-token-91fe"):
        introspected = client.post("/t/acme/introspect", data={"token": token}, headers=WEB_AUTH)
        assert introspected.status_code == 200
    assert token_request(client, "acme", grant, WEB_AUTH).status_code == 400  # reuse

    # Revocation, then a use of the revoked token.
    for token in (second["refresh_token"], second["access_token"]):
        revoked = client.post("/t/acme/revoke", data={"token": token}, headers=WEB_AUTH)
        assert revoked.status_code == 200
    bearer = {"Authorization": f"Bearer {second['access_token']}"}
    assert client.get("/t/acme/userinfo", headers=bearer).status_code == 401

    # Client credentials.
    service = token_request(
        client, "acme", {"grant_type": "client_credentials"}, basic("service", SERVICE_SECRET)
    )
    assert service.status_code == 200, service.text
    secrets.add(service.json()["access_token"])

    # Device flow: authorization, a poll while pending, the user's approval, the token.
    started = client.post(
        "/t/acme/device_authorization",
        data={"client_id": "tv", "scope": "openid offline_access"},
    )
    assert started.status_code == 200, started.text
    device_code, user_code = started.json()["device_code"], started.json()["user_code"]
    secrets.update({device_code, user_code, user_code.replace("-", "")})
    poll = {"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": "tv"}
    assert token_request(client, "acme", poll).status_code == 400
    confirm = browser.get(f"/t/acme/device?user_code={user_code}")
    assert confirm.status_code == 200, confirm.text
    done = browser.post(
        "/t/acme/device",
        {
            "csrf_token": hidden(confirm.text, "csrf_token"),
            "user_code": user_code,
            "decision": "approve",
        },
    )
    assert done.status_code == 200, done.text
    clock.advance(started.json()["interval"] + 1)
    device_tokens = token_request(client, "acme", poll)
    assert device_tokens.status_code == 200, device_tokens.text
    secrets.update(device_tokens.json()[k] for k in ("access_token", "refresh_token", "id_token"))

    # RP-initiated logout with the ID token as hint.
    query = urlencode(
        {
            "id_token_hint": first_tokens["id_token"],
            "post_logout_redirect_uri": "https://app.example.com/bye",
            "state": "s",
        }
    )
    assert browser.get(f"/t/acme/logout?{query}").status_code == 302

    # A replayed authorization code, refused without echoing it.
    assert token_request(client, "acme", exchange, WEB_AUTH).status_code == 400


def _database_passwords(rt: Runtime) -> set[str]:
    found: set[str] = set()
    for url in (rt.settings.database_url, rt.settings.migration_database_url):
        password = make_url(url).password if url else None
        if password:
            # As a URL carries it; bare too unless too common a word (the test role's
            # password is "idgate", which every logger name holds).
            found.add(f":{password}@")
            if len(str(password)) >= 10:
                found.add(str(password))
    return found


def _start_capture(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    caplog.set_level(logging.INFO)
    capsys.readouterr()


def _log_lines(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> list[str]:
    captured = capsys.readouterr()
    lines = [*captured.out.splitlines(), *captured.err.splitlines()]
    # Every standard-library record but the test's own HTTP client's (httpx logs the URLs it
    # requests, which is the client side, not the provider's log).
    return lines + [record.getMessage() for record in caplog.records if record.name != "httpx"]


def _leaks(lines: list[str], secrets: set[str]) -> dict[str, list[str]]:
    leaks = {
        secret[:12]: [line for line in lines if secret in line]
        for secret in secrets
        if len(secret) >= 6
    }
    return {name: found for name, found in leaks.items() if found}


def test_no_secret_of_a_real_flow_reaches_the_log(
    rt: Runtime,
    acme: TenantFixture,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _start_capture(caplog, capsys)
    browser = Browser(TestClient(build_app()))
    secrets = {
        acme.password,
        WEB_SECRET,
        SERVICE_SECRET,
        MASTER_KEY,
        base64.urlsafe_b64decode(MASTER_KEY + "==").hex(),
        WEB_AUTH["Authorization"].split()[1],
        basic("service", SERVICE_SECRET)["Authorization"].split()[1],
        *_database_passwords(rt),
    }

    _run_flows(browser, acme, clock, secrets)

    lines = _log_lines(caplog, capsys)
    requests = [line for line in lines if '"event":"request"' in line]
    assert len(requests) >= 25  # the capture really saw the flows, at INFO
    assert _leaks(lines, secrets) == {}


def _run_upstream_flows(world: GitHubWorld, clock: FakeClock, secrets: set[str]) -> None:
    """Sign in through GitHub (a GitHub App: expiring tokens and refresh tokens), a code
    GitHub refuses, an account held until alice proves it is hers, then the token handoff,
    the second one refreshing the upstream token."""
    github, browser = world.github, world.browser
    github.expiring_tokens, github.access_token_ttl = True, 90
    github.add_user("octocat", id=583231, emails=verified("octocat@example.com"))
    auth = toolbox_authorization()
    interaction = pending_interaction(browser, auth)
    callback = at_github(world, start(browser, interaction))
    secrets.update({browser.client.cookies["idgate_upstream"], *query_of(callback).values()})
    tampered = {**query_of(callback), "code": "f00dfeedf00dfeed0123"}
    refused = back_at_idgate(browser, f"{CALLBACK}?{urlencode(tampered)}")
    assert refused.status_code == 400  # GitHub's 200 with bad_verification_code
    interaction = pending_interaction(browser, auth)
    called_back = through_github(world, browser, interaction)
    redirect = browser.follow_to_redirect_uri(called_back)
    tokens = redeem(browser.client, redirect, auth, client_id="toolbox", secret=TOOLBOX_SECRET)
    secrets.update(tokens[k] for k in ("access_token", "refresh_token", "id_token"))

    # Alice's address at GitHub: held until her password proves it, then linked.
    other = world.new_browser()
    github.add_user("alice-gh", id=1001, emails=verified(world.acme.email))
    github.sign_in_as("alice-gh")
    waiting = through_github(world, other, pending_interaction(other, new_authorization()))
    signed_in = other.submit_login(waiting.headers["location"], world.acme.email, PASSWORD)
    assert other.follow_to_redirect_uri(signed_in).startswith(WEB_REDIRECT)

    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    for _ in range(2):
        handed = browser.client.get("/t/acme/upstream/github/token", headers=bearer)
        assert handed.status_code == 200, handed.text
        secrets.add(handed.json()["access_token"])
        clock.advance(40)  # the second handoff finds it expiring: refreshed first
    assert github.refresh_count == 1

    # Everything idgate sent GitHub's token endpoint is secret: codes, PKCE verifiers, the
    # client secret, refresh tokens.
    for request in github.token_requests:
        secrets.update(
            value
            for key, value in request.form.items()
            if key in ("code", "code_verifier", "client_secret", "refresh_token")
        )


def test_no_secret_of_an_upstream_sign_in_or_token_handoff_reaches_the_log(
    rt: Runtime,
    acme: TenantFixture,
    clock: FakeClock,
    github_standin: GitHubStandIn,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = connect_github(rt, acme, github_standin, monkeypatch)
    add_toolbox_client(rt)
    _start_capture(caplog, capsys)
    secrets = {acme.password, GITHUB_SECRET, TOOLBOX_SECRET, *_database_passwords(rt)}

    _run_upstream_flows(world, clock, secrets)

    lines = _log_lines(caplog, capsys)
    assert any("upstream_token_refused" in line for line in lines)  # GitHub's 200 error
    assert len([line for line in lines if '"event":"request"' in line]) >= 15
    assert len(secrets) >= 15
    assert _leaks(lines, secrets) == {}
    # No GitHub token of any kind, even one the test did not see (ghr_ refresh tokens).
    assert [line for line in lines if any(p in line for p in ("gho_", "ghu_", "ghr_"))] == []
